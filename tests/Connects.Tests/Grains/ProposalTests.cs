using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Faults;
using Connects.Tests.Support;

namespace Connects.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class ProposalTests(ClusterFixture fx) : IDisposable
{
    public void Dispose() => fx.Faults.Clear();

    private Task<IJobGrain> PostJob(string jobId, decimal budget = 100, ProjectDuration duration = ProjectDuration.OneToFourWeeks) =>
        fx.Grains.PostedJob(jobId, budget, duration);

    private Task<IWalletGrain> OpenWallet(string id, Plan plan = Plan.Plus) => fx.Grains.OpenedWallet(id, plan);

    [Fact]
    public async Task A_submission_charges_the_current_price_once_and_a_retry_returns_the_same_proposal()
    {
        var job = await PostJob("p-once");
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-once-f");

        var first = await wallet.SubmitProposal("p-once", price + 5);
        var retry = await wallet.SubmitProposal("p-once", price + 5);

        Assert.Equal(SubmissionOutcome.Submitted, first.Outcome);
        Assert.Equal(price, first.ConnectsCharged);
        Assert.Equal(SubmissionOutcome.AlreadySubmitted, retry.Outcome);
        Assert.Equal(first.ConnectsCharged, retry.ConnectsCharged);
        Assert.Equal(70 - price, (await wallet.GetWallet())!.Balance);
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        Assert.Equal(1, (await job.GetJob())!.ProposalCount);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task A_price_above_the_expected_one_is_refused_with_the_new_price_and_nothing_is_held()
    {
        var job = await PostJob("p-expect", budget: 20_000, duration: ProjectDuration.MoreThanSixMonths);
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-expect-f");

        var refused = await wallet.SubmitProposal("p-expect", price - 1);

        Assert.Equal(SubmissionOutcome.PriceChanged, refused.Outcome);
        Assert.Equal(price, refused.ConnectsRequired);
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70, 0), (view.Balance, view.Held));
        Assert.Null(await job.ProposalOf("p-expect-f"));
    }

    [Fact]
    public async Task Insufficient_connects_change_nothing_and_say_what_is_missing()
    {
        var job = await PostJob("p-poor", budget: 20_000, duration: ProjectDuration.MoreThanSixMonths);
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-poor-f", Plan.Basic);
        Assert.True(price > 10);

        var refused = await wallet.SubmitProposal("p-poor", 16);

        Assert.Equal(SubmissionOutcome.InsufficientConnects, refused.Outcome);
        Assert.Equal((price, 10), (refused.ConnectsRequired, refused.Available));
        Assert.Equal((await wallet.GetWallet())!.NextRefreshAt, refused.NextRefreshAt);
        Assert.Equal(10, (await wallet.GetWallet())!.Balance);
        Assert.Null(await job.ProposalOf("p-poor-f"));
    }

    [Fact]
    public async Task A_hold_whose_record_reply_was_lost_is_captured_when_it_expires()
    {
        var job = await PostJob("p-lost-reply");
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-lost-reply-f");
        fx.Faults.FailAfter(nameof(IJobGrain.RecordProposal), "job:p-lost-reply");

        await Assert.ThrowsAsync<TimeoutException>(() => wallet.SubmitProposal("p-lost-reply", 16));
        var during = (await wallet.GetWallet())!;
        Assert.Equal((70, price), (during.Balance, during.Held));
        Assert.NotNull(await job.ProposalOf("p-lost-reply-f"));

        fx.Time.Advance(TimeSpan.FromMinutes(3));
        var after = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0), (after.Balance, after.Held));
        var retry = await wallet.SubmitProposal("p-lost-reply", 16);
        Assert.Equal((SubmissionOutcome.AlreadySubmitted, price), (retry.Outcome, retry.ConnectsCharged));
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task A_hold_the_job_never_recorded_expires_back_to_the_wallet_and_can_never_be_recorded_later()
    {
        var job = await PostJob("p-never");
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-never-f");
        fx.Faults.FailBefore(nameof(IJobGrain.RecordProposal), "job:p-never");

        await Assert.ThrowsAsync<TimeoutException>(() => wallet.SubmitProposal("p-never", 16));
        Assert.Equal(price, (await wallet.GetWallet())!.Held);
        var holdId = Assert.Single((await Stored.Wallet(new SharedCluster(fx), "p-never-f"))!.Holds).HoldId;

        fx.Time.Advance(TimeSpan.FromMinutes(3));
        var after = (await wallet.GetWallet())!;
        Assert.Equal((70, 0, 70), (after.Balance, after.Held, after.Available));
        Assert.Null(await job.ProposalOf("p-never-f"));
        var late = await job.RecordProposal("p-never-f", holdId, [new Slice(BucketSource.Monthly, price, null)]);
        Assert.Equal(RecordOutcome.HoldAborted, late.Outcome);

        var again = await wallet.SubmitProposal("p-never", 16);
        Assert.Equal(SubmissionOutcome.Submitted, again.Outcome);
        Assert.Equal(70 - price, again.Balance);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task A_retry_before_the_hold_expires_finishes_the_first_attempt_without_charging_twice()
    {
        var job = await PostJob("p-retry");
        var price = await job.PriceNow();
        var wallet = await OpenWallet("p-retry-f");
        fx.Faults.FailAfter(nameof(IJobGrain.RecordProposal), "job:p-retry");

        await Assert.ThrowsAsync<TimeoutException>(() => wallet.SubmitProposal("p-retry", 16));
        var retry = await wallet.SubmitProposal("p-retry", 16);

        Assert.Equal(SubmissionOutcome.AlreadySubmitted, retry.Outcome);
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0), (view.Balance, view.Held));
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task Withdraw_hire_and_decline_refund_nothing_and_a_filled_job_takes_no_proposals()
    {
        var job = await PostJob("p-hire");
        var a = await OpenWallet("p-hire-a");
        var b = await OpenWallet("p-hire-b");
        var c = await OpenWallet("p-hire-c");
        await a.SubmitProposal("p-hire", 16);
        await b.SubmitProposal("p-hire", 16);
        await job.Withdraw("p-hire-a");
        await job.Decline("p-hire-b");
        var balances = new[] { (await a.GetWallet())!.Balance, (await b.GetWallet())!.Balance };

        await c.SubmitProposal("p-hire", 16);
        var hired = await job.Hire("p-hire-c");
        Assert.Equal(JobStatus.Filled, hired.Status);
        Assert.Equal(balances, new[] { (await a.GetWallet())!.Balance, (await b.GetWallet())!.Balance });

        var late = await OpenWallet("p-hire-late");
        Assert.Equal(SubmissionOutcome.JobNotOpen, (await late.SubmitProposal("p-hire", 16)).Outcome);
        Assert.Equal(70, (await late.GetWallet())!.Balance);
        var cancel = await Assert.ThrowsAsync<ConnectsRuleException>(() => fx.Grains.Cancellation("p-hire").Cancel(CancelReason.ClientCancelled));
        Assert.Equal(Refusals.JobNotOpen, cancel.Rule);
    }

    [Fact]
    public async Task Cancelling_refunds_every_proposal_not_withdrawn_once_with_the_original_expiry_even_after_a_failure_midway()
    {
        var job = await PostJob("p-cancel");
        var price = await job.PriceNow();
        var a = await OpenWallet("p-cancel-a");
        var b = await OpenWallet("p-cancel-b");
        var c = await OpenWallet("p-cancel-c");
        foreach (var w in new[] { a, b, c }) await w.SubmitProposal("p-cancel", 16);
        await job.Withdraw("p-cancel-c");
        var monthlyExpiry = (await a.GetWallet())!.NextRefreshAt;
        fx.Faults.FailBefore(nameof(IWalletGrain.Refund), "freelancer:p-cancel-b");

        await Assert.ThrowsAsync<TimeoutException>(() => fx.Grains.Cancellation("p-cancel").Cancel(CancelReason.ClientCancelled));
        var midway = (await job.GetJob())!;
        Assert.Equal((JobStatus.Cancelled, 1), (midway.Status, midway.RefundsPending));

        var done = await fx.Grains.Cancellation("p-cancel").Cancel(CancelReason.ClientCancelled);
        var again = await fx.Grains.Cancellation("p-cancel").Cancel(CancelReason.ClientCancelled);

        Assert.Equal(0, again.RefundsPending);
        Assert.Equal(["p-cancel-a", "p-cancel-b"], done.Refunds.Select(r => r.FreelancerId).Order());
        Assert.Equal(70, (await a.GetWallet())!.Balance);
        Assert.Equal(70, (await b.GetWallet())!.Balance);
        Assert.Equal(70 - price, (await c.GetWallet())!.Balance);
        Assert.Contains((await a.GetWallet())!.Buckets, s => s.Source == BucketSource.Monthly && s.ExpiresAt == monthlyExpiry && s.Amount == 70);
        foreach (var w in new[] { a, b })
        {
            Assert.Single(await w.AllEntries(), e => e.Kind == LedgerKind.Refund && e.Amount == price);
            await w.AssertConserved();
        }
    }

    [Fact]
    public async Task The_jobs_reminder_delivers_refunds_a_failed_cancel_left_owing()
    {
        var job = await PostJob("p-remind");
        var price = await job.PriceNow();
        var a = await OpenWallet("p-remind-a");
        await a.SubmitProposal("p-remind", 16);
        fx.Faults.FailBefore(nameof(IWalletGrain.Refund), "freelancer:p-remind-a");

        await Assert.ThrowsAsync<TimeoutException>(() => fx.Grains.Cancellation("p-remind").Cancel(CancelReason.RemovedByMarketplace));
        Assert.Equal(70 - price, (await a.GetWallet())!.Balance);

        // Each look moves the reminders' clock a minute on, so the job's reminder falls due until it has delivered.
        await Eventually.Until(async () =>
        {
            if ((await job.GetJob())!.RefundsPending == 0) return true;
            fx.ReminderTime.Advance(TimeSpan.FromMinutes(1));
            return false;
        }, "the job's reminder to deliver the refund", poll: TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, (await job.GetJob())!.RefundsPending);
        Assert.Equal(JobStatus.Removed, (await job.GetJob())!.Status);
        Assert.Equal(70, (await a.GetWallet())!.Balance);
        Assert.Single(await a.AllEntries(), e => e.Kind == LedgerKind.Refund);
    }
}
