using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>The hold a fault on <c>IJobGrain.ResolveHold</c> finds: the job decides a hold when it has expired
/// (every call of the wallet does that first) and when a retry finds the hold of an earlier attempt.</summary>
public enum PendingHold
{
    /// <summary>Expired; its record never ran, so the job aborts it.</summary>
    ExpiredUnrecorded,
    /// <summary>Expired; its record ran and the reply was lost, so the job says capture it.</summary>
    ExpiredRecorded,
    /// <summary>Not expired; its record never ran; the caller retries at once and the retry has the job abort it.</summary>
    RetriedUnrecorded,
}

/// <summary>How a caller (or the system) finishes a cancellation a fault cut short.</summary>
public enum Recovery
{
    /// <summary>The caller retries the cancel.</summary>
    RetryCancel,
    /// <summary>Nobody retries: the job's "refunds" reminder delivers what is owed.</summary>
    JobReminder,
}

/// <summary>
/// One fault at one step of the proposal protocol (hold, record, capture; and the job deciding a pending hold) or of
/// the refund protocol (cancel, list owed refunds, refund, mark refunded), then the system settles and the
/// caller retries: the answer is right, every Connect is charged or refunded exactly once, the audit is clean.
/// </summary>
public abstract class ProposalFaultScenarios(IFaultCluster c, ITestOutputHelper output)
{
    /// <summary>The default hold duration is 2 minutes: this is past it.</summary>
    private static readonly TimeSpan PastHoldExpiry = TimeSpan.FromMinutes(3);

    public static readonly string[] SubmissionSteps =
    [
        "IJobGrain.Quote", "IJobGrain.RecordProposal", "IJobGrain.Vouch", "IWalletGrain.SubmitProposal",
    ];

    public static readonly string[] RefundSteps =
    [
        "ICancellationGrain.Cancel", "IJobGrain.Cancel", "IJobGrain.GetRefundsOwed", "IWalletGrain.Refund", "IJobGrain.MarkRefunded",
    ];

    protected static TheoryData<string, FaultMode> SubmissionCases(params FaultMode[] modes)
    {
        var data = new TheoryData<string, FaultMode>();
        foreach (var step in SubmissionSteps)
            foreach (var mode in modes) data.Add(step, mode);
        return data;
    }

    protected static TheoryData<FaultMode, PendingHold> ResolveHoldCases(params FaultMode[] modes)
    {
        var data = new TheoryData<FaultMode, PendingHold>();
        foreach (var mode in modes)
            foreach (var hold in Enum.GetValues<PendingHold>()) data.Add(mode, hold);
        return data;
    }

    protected static TheoryData<string, FaultMode, Recovery> RefundCases(params FaultMode[] modes)
    {
        var data = new TheoryData<string, FaultMode, Recovery>();
        foreach (var step in RefundSteps)
            foreach (var mode in modes)
            {
                data.Add(step, mode, Recovery.RetryCancel);
                // The reminder exists once the job is cancelled: not when the cancel itself never ran, and it has
                // nothing to do when the whole cancellation ran and only its reply was lost.
                if (step == "ICancellationGrain.Cancel" || (step == "IJobGrain.Cancel" && mode == FaultMode.Before)) continue;
                data.Add(step, mode, Recovery.JobReminder);
            }
        return data;
    }

    private static string Short(string step) => step[(step.IndexOf('.') + 1)..].ToLowerInvariant();

    private Task<IJobGrain> PostJob(string jobId) => c.Grains.PostedJob(jobId);

    private Task<IWalletGrain> OpenWallet(string id) => c.Grains.OpenedWallet(id);

    private void Inject(FaultMode mode, string step, string grainKey) => c.Faults.Inject(mode, step, grainKey);

    /// <summary>Submits with one fault at <paramref name="step"/>, settles, retries.</summary>
    protected Task Submission(string step, FaultMode mode) =>
        Submit(step, mode, $"pf-{Short(step)}-{mode}".ToLowerInvariant(), pending: null);

    /// <summary>Leaves a hold whose record was lost (before or after the job ran it), then faults the job's decision on it.</summary>
    protected Task ResolveHold(FaultMode mode, PendingHold pending) =>
        Submit("IJobGrain.ResolveHold", mode, $"pf-resolvehold-{pending}-{mode}".ToLowerInvariant(), pending);

    private async Task Submit(string step, FaultMode mode, string id, PendingHold? pending)
    {
        var (jobId, freelancer) = (id, id + "-f");
        var job = await PostJob(jobId);
        var price = await job.PriceNow();
        var wallet = await OpenWallet(freelancer);
        var firedBefore = c.Faults.Fired;
        var grainKey = step.StartsWith("IWalletGrain.", StringComparison.Ordinal) ? "freelancer:" + freelancer : "job:" + jobId;

        if (pending is { } hold)
        {
            // A hold for the job to decide: the reply of its record was lost (the job has the proposal) or the record
            // never ran (the job has nothing and must abort the hold).
            var recorded = hold == PendingHold.ExpiredRecorded;
            Inject(recorded ? FaultMode.After : FaultMode.Before, "IJobGrain.RecordProposal", "job:" + jobId);
            await Assert.ThrowsAnyAsync<Exception>(() => wallet.SubmitProposal(jobId, price));
            Assert.Equal(price, (await wallet.GetWallet())!.Held);
            Assert.Equal(recorded, await job.ProposalOf(freelancer) is not null);
            if (hold != PendingHold.RetriedUnrecorded) c.Time.Advance(PastHoldExpiry);
        }

        Inject(mode, step, grainKey);
        SubmissionResult? first = null;
        Exception? failed = null;
        try
        {
            first = await wallet.SubmitProposal(jobId, price);
        }
        catch (Exception ex)
        {
            failed = ex;
        }
        // The vouch is one-way: its fault never reaches the caller (it fires on the job, perhaps after the answer), and a
        // vouch lost leaves the record provisional until the wallet vouches again (the retry, or the job asking).
        var oneWay = step == "IJobGrain.Vouch";
        if (oneWay) await Eventually.Until(() => c.Faults.Spent(step, grainKey), $"the fault at {step} to fire");
        Assert.True(c.Faults.Spent(step, grainKey), $"The fault at {step} did not fire.");
        if (oneWay)
            Assert.True(first?.Outcome == SubmissionOutcome.Submitted && first.ConnectsCharged == price, $"Expected the submission to succeed, it answered {first?.ToString() ?? failed!.Message}.");
        else if (pending is null or PendingHold.RetriedUnrecorded)
            Assert.True(failed is not null, $"Expected the submission to fail, it answered {first}.");
        else if (first is not null)
        {
            // A failed resolution of an expired hold is not the caller's problem: the wallet keeps the hold and the
            // submission finishes with it (or with a new one if the job aborted it).
            Assert.Contains(first.Outcome, new[] { SubmissionOutcome.Submitted, SubmissionOutcome.AlreadySubmitted });
            Assert.Equal(price, first.ConnectsCharged);
        }
        output.WriteLine($"{step} {mode}{(pending is { } p ? $" ({p})" : "")}: first attempt {(failed is not null ? failed.GetType().Name : first!.Outcome.ToString())}");

        // Settle: delayed calls run (late) and finish, the hold expires, a read resolves it with the job.
        await c.Faults.Quiesce();
        c.Time.Advance(PastHoldExpiry);
        var settled = (await wallet.GetWallet())!;
        Assert.Equal(0, settled.Held);

        // The caller retries as it would have: the same job, the price it was shown.
        var recordedBeforeRetry = await job.ProposalOf(freelancer) is not null;
        var retry = await wallet.SubmitProposal(jobId, price);
        Assert.Equal(recordedBeforeRetry ? SubmissionOutcome.AlreadySubmitted : SubmissionOutcome.Submitted, retry.Outcome);
        Assert.Equal((price, 70 - price), (retry.ConnectsCharged, retry.Balance));
        var again = await wallet.SubmitProposal(jobId, price);
        Assert.Equal((SubmissionOutcome.AlreadySubmitted, price, 70 - price), (again.Outcome, again.ConnectsCharged, again.Balance));

        var proposal = await job.ProposalOf(freelancer);
        Assert.NotNull(proposal);
        Assert.Equal(price, proposal.ConnectsCharged);
        var spend = Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        Assert.Equal(("proposal:" + jobId, -price), (spend.Reference, spend.Amount));
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0, 70 - price), (view.Balance, view.Held, view.Available));
        await wallet.AssertConserved();
        output.WriteLine($"fault points injected: {c.Faults.Fired - firedBefore}; retry answered {retry.Outcome}, charged {price} once");
        await Audits.AssertClean(c, output, id);
    }

    /// <summary>Cancels a job with three proposals (one withdrawn) with one fault at <paramref name="step"/>, then recovers.</summary>
    protected async Task Refund(string step, FaultMode mode, Recovery recovery)
    {
        var jobId = $"pr-{step.Replace('.', '-')}-{mode}-{recovery}".ToLowerInvariant();
        var job = await PostJob(jobId);
        var price = await job.PriceNow();
        var (a, b, withdrawn) = (jobId + "-a", jobId + "-b", jobId + "-c");
        var wallets = new Dictionary<string, IWalletGrain>();
        foreach (var freelancer in new[] { a, b, withdrawn })
        {
            wallets[freelancer] = await OpenWallet(freelancer);
            Assert.Equal(SubmissionOutcome.Submitted, (await wallets[freelancer].SubmitProposal(jobId, price)).Outcome);
        }
        await job.Withdraw(withdrawn);
        var cancellation = c.Grains.Cancellation(jobId);
        var firedBefore = c.Faults.Fired;
        var grainKey = step == "IWalletGrain.Refund" ? "freelancer:" + a : "job:" + jobId;

        Inject(mode, step, grainKey);
        await Assert.ThrowsAnyAsync<Exception>(() => cancellation.Cancel(CancelReason.ClientCancelled));
        Assert.True(c.Faults.Spent(step, grainKey), $"The fault at {step} did not fire.");
        await c.Faults.Quiesce();
        var midway = (await job.GetJob())!;
        output.WriteLine($"{step} {mode}: after the fault the job is {midway.Status} with {midway.RefundsPending} refund(s) pending");

        if (recovery == Recovery.RetryCancel)
        {
            var done = await cancellation.Cancel(CancelReason.ClientCancelled);
            Assert.Equal((JobStatus.Cancelled, 0), (done.Status, done.RefundsPending));
        }
        else
        {
            Assert.Equal(JobStatus.Cancelled, midway.Status);
            // Each look moves the reminders' clock a minute on, so the job's reminder falls due until it has delivered.
            var ticks = 0;
            await Eventually.Until(async () =>
            {
                if ((await job.GetJob())!.RefundsPending == 0) return true;
                c.ReminderTime.Advance(TimeSpan.FromMinutes(1));
                ticks++;
                return false;
            }, "the job's reminder to deliver the refunds", poll: TimeSpan.FromMilliseconds(100));
            output.WriteLine($"the job's reminder delivered the refunds after {ticks} minute(s) of reminder time");
        }
        // The caller's own retry after the system settled changes nothing.
        var after = await cancellation.Cancel(CancelReason.ClientCancelled);
        Assert.Equal((JobStatus.Cancelled, 0), (after.Status, after.RefundsPending));
        Assert.Equal([a, b], after.Refunds.Select(r => r.FreelancerId).Order());
        Assert.All(after.Refunds, r => Assert.Equal(price, r.Connects));

        foreach (var (freelancer, wallet) in wallets)
        {
            var refunds = (await wallet.AllEntries()).Where(e => e.Kind == LedgerKind.Refund).ToList();
            if (freelancer == withdrawn)
            {
                Assert.Empty(refunds);
                Assert.Equal(70 - price, (await wallet.GetWallet())!.Balance);
            }
            else
            {
                var refund = Assert.Single(refunds);
                Assert.Equal(("proposal:" + jobId, price), (refund.Reference, refund.Amount));
                Assert.Equal(70, (await wallet.GetWallet())!.Balance);
            }
            await wallet.AssertConserved();
        }
        output.WriteLine($"fault points injected: {c.Faults.Fired - firedBefore}; recovered by {recovery}, 2 refunds of {price} made once each");
        await Audits.AssertClean(c, output, jobId);
    }
}

/// <summary>Fail-before and fail-after (reply lost) at every step, on the shared two-silo cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProposalFaultTests(ClusterFixture fx, ITestOutputHelper output)
    : ProposalFaultScenarios(new SharedCluster(fx), output), IDisposable
{
    private readonly ITestOutputHelper _output = output;

    public static TheoryData<string, FaultMode> Submissions => SubmissionCases(FaultMode.Before, FaultMode.After);
    public static TheoryData<FaultMode, PendingHold> Resolutions => ResolveHoldCases(FaultMode.Before, FaultMode.After);
    public static TheoryData<string, FaultMode, Recovery> Refunds => RefundCases(FaultMode.Before, FaultMode.After);

    public void Dispose() => fx.Faults.Clear();

    [Theory, MemberData(nameof(Submissions))]
    public Task A_submission_faulted_at_one_step_settles_and_its_retry_charges_once(string step, FaultMode mode) => Submission(step, mode);

    [Theory, MemberData(nameof(Resolutions))]
    public Task A_pending_hold_whose_resolution_faulted_is_settled_once(FaultMode mode, PendingHold pending) => ResolveHold(mode, pending);

    [Theory, MemberData(nameof(Refunds))]
    public Task A_cancellation_faulted_at_one_step_refunds_each_proposal_once(string step, FaultMode mode, Recovery recovery) => Refund(step, mode, recovery);

    /// <summary>
    /// A retry that gives up the hold of an earlier attempt (the price rose above what the caller expects) must
    /// have the job abort it first: the earlier attempt's record may still arrive (Orleans does not promise to
    /// deliver a timed-out request in order, or not at all), and if the price has come back down by then, the job
    /// would record a proposal whose Connects the wallet already gave back. The late record is played here by
    /// calling the job directly, as <c>ProposalTests</c> does for an expired hold.
    /// </summary>
    [Fact]
    public async Task A_retry_that_gives_up_an_earlier_hold_has_the_job_abort_it_so_a_late_record_of_it_is_refused()
    {
        const string jobId = "pf-giveup";
        const string freelancer = "pf-giveup-f";
        var cheap = new JobPosting("client-1", new JobTerms(100, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "cat-" + jobId);
        var dear = cheap with { Terms = new JobTerms(20_000, BudgetType.Fixed, ProjectDuration.MoreThanSixMonths) };
        var job = fx.Grains.Job(jobId);
        await job.Post(cheap);
        var price = await job.PriceNow();
        var wallet = fx.Grains.Wallet(freelancer);
        await wallet.Open(Plan.Plus);

        fx.Faults.FailBefore(nameof(IJobGrain.RecordProposal), "job:" + jobId);
        await Assert.ThrowsAsync<TimeoutException>(() => wallet.SubmitProposal(jobId, price));
        var held = (await wallet.GetWallet())!;
        Assert.Equal(price, held.Held);
        var holdId = Assert.Single((await Stored.Wallet(new SharedCluster(fx), freelancer))!.Holds).HoldId;

        await job.Post(dear);
        var refused = await wallet.SubmitProposal(jobId, price);
        Assert.Equal(SubmissionOutcome.PriceChanged, refused.Outcome);
        Assert.Equal(0, (await wallet.GetWallet())!.Held);

        await job.Post(cheap);
        var late = await job.RecordProposal(freelancer, holdId, [new Slice(BucketSource.Monthly, price, held.NextRefreshAt)]);

        Assert.Equal(RecordOutcome.HoldAborted, late.Outcome);
        Assert.Null(await job.ProposalOf(freelancer));
        Assert.Equal(70, (await wallet.GetWallet())!.Balance);
        await Audits.AssertClean(new SharedCluster(fx), _output, jobId);
    }

    /// <summary>The two protocols crossed: the job recorded a proposal whose reply was lost (the wallet's hold is
    /// not captured yet) and is cancelled at once. The refund captures the hold first (the job makes the provisional
    /// record stand), so it gives back only what was taken; the capture and the refund each happen once.</summary>
    [Fact]
    public async Task A_refund_that_arrives_before_the_capture_of_its_proposal_is_made_once_and_the_charge_once()
    {
        const string jobId = "pf-refund-first";
        const string freelancer = "pf-refund-first-f";
        var job = fx.Grains.Job(jobId);
        await job.Post(new JobPosting("client-1", new JobTerms(100, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "cat-" + jobId));
        var price = await job.PriceNow();
        var wallet = fx.Grains.Wallet(freelancer);
        await wallet.Open(Plan.Plus);

        fx.Faults.FailAfter(nameof(IJobGrain.RecordProposal), "job:" + jobId);
        await Assert.ThrowsAsync<TimeoutException>(() => wallet.SubmitProposal(jobId, price));
        var cancelled = await fx.Grains.Cancellation(jobId).Cancel(CancelReason.ClientCancelled);
        Assert.Equal(0, cancelled.RefundsPending);
        var refunded = (await wallet.GetWallet())!;
        Assert.Equal((70, 0), (refunded.Balance, refunded.Held));

        fx.Time.Advance(TimeSpan.FromMinutes(3));
        var settled = (await wallet.GetWallet())!;
        Assert.Equal((70, 0), (settled.Balance, settled.Held));
        var retry = await wallet.SubmitProposal(jobId, price);
        Assert.Equal((SubmissionOutcome.AlreadySubmitted, price, 70), (retry.Outcome, retry.ConnectsCharged, retry.Balance));
        var entries = await wallet.AllEntries();
        Assert.Equal(-price, Assert.Single(entries, e => e.Kind == LedgerKind.Spend).Amount);
        Assert.Equal(price, Assert.Single(entries, e => e.Kind == LedgerKind.Refund).Amount);
        await wallet.AssertConserved();
        await Audits.AssertClean(new SharedCluster(fx), _output, jobId);
    }
}

/// <summary>The same steps, each run late: after its caller gave up on it (heard a timeout) and reacted.</summary>
public sealed class ProposalDelayFaultTests(DelayClusterFixture fx, ITestOutputHelper output)
    : ProposalFaultScenarios(fx.Cluster, output), IClassFixture<DelayClusterFixture>, IDisposable
{
    public static TheoryData<string, FaultMode> Submissions => SubmissionCases(FaultMode.Delay);
    public static TheoryData<FaultMode, PendingHold> Resolutions => ResolveHoldCases(FaultMode.Delay);
    public static TheoryData<string, FaultMode, Recovery> Refunds => RefundCases(FaultMode.Delay);

    public void Dispose() => fx.Cluster.Faults.Clear();

    [Theory, MemberData(nameof(Submissions))]
    public Task A_submission_delayed_at_one_step_settles_and_its_retry_charges_once(string step, FaultMode mode) => Submission(step, mode);

    [Theory, MemberData(nameof(Resolutions))]
    public Task A_pending_hold_whose_resolution_was_delayed_is_settled_once(FaultMode mode, PendingHold pending) => ResolveHold(mode, pending);

    [Theory, MemberData(nameof(Refunds))]
    public Task A_cancellation_delayed_at_one_step_refunds_each_proposal_once(string step, FaultMode mode, Recovery recovery) => Refund(step, mode, recovery);
}
