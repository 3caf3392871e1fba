using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>
/// A submission answers after one durable write on its critical path: the wallet's hold and the job's record are written
/// at once (the record provisional until the wallet vouches), the capture later. Each crash window this opens is played
/// here by failing or holding a grain's storage write (<see cref="StorageFaults"/>), and each is settled with every
/// Connect charged once (or not at all) and a clean audit: by the caller's retry, or by the job when nobody retries.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OneDurableWriteTests(ClusterFixture fx, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PastHoldExpiry = TimeSpan.FromMinutes(3);
    private readonly IFaultCluster _cluster = new SharedCluster(fx);

    public void Dispose()
    {
        fx.Faults.Clear();
        fx.StorageFaults.Clear();
    }

    private Task<(IJobGrain Job, IWalletGrain Wallet, int Price)> Setup(string id) => fx.Grains.JobAndPlusWallet(id);

    /// <summary>Charged exactly once for the proposal to <paramref name="jobId"/>, in memory and in storage.</summary>
    private async Task AssertChargedOnce(IJobGrain job, IWalletGrain wallet, string jobId, string freelancer, int price)
    {
        var proposal = await job.ProposalOf(freelancer);
        Assert.NotNull(proposal);
        Assert.Equal(price, proposal.ConnectsCharged);
        var spend = Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        Assert.Equal((ReceiptKeys.Paid(jobId), -price), (spend.Reference, spend.Amount));
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0, 70 - price), (view.Balance, view.Held, view.Available));
        await wallet.AssertConserved();
        await Eventually.Until(async () => (await Stored.Wallet(_cluster, freelancer))!.Holds.Count == 0, "the capture to be stored");
    }

    [Fact]
    public async Task A_submission_answers_after_one_write_on_each_side_and_the_flush_stores_the_capture()
    {
        const string id = "ow-flush";
        var (job, wallet, price) = await Setup(id);
        var (walletKey, jobKey) = ("freelancer:" + id + "-f", "job:" + id);
        var (walletWrites, jobWrites) = (fx.StorageFaults.Writes("wallet", walletKey), fx.StorageFaults.Writes("job", jobKey));
        // The wallet's writes after the hold's wait at a gate: were the capture on the critical path, the submission could
        // not answer.
        var capture = fx.StorageFaults.HoldWrite("wallet", walletKey, skip: 1);

        var submitted = await wallet.SubmitProposal(id, price);

        Assert.Equal((SubmissionOutcome.Submitted, price, 70 - price), (submitted.Outcome, submitted.ConnectsCharged, submitted.Balance));
        Assert.Equal((walletWrites + 1, jobWrites + 1), (fx.StorageFaults.Writes("wallet", walletKey), fx.StorageFaults.Writes("job", jobKey)));
        var storedWallet = (await Stored.Wallet(_cluster, id + "-f"))!;
        Assert.Equal(price, Assert.Single(storedWallet.Holds).Amount);
        Assert.DoesNotContain(storedWallet.Entries, e => e.Kind == LedgerKind.Spend);
        Assert.True((await Stored.Job(_cluster, id))!.Proposals[id + "-f"].AwaitingWallet);

        // The flush comes on its own (a held write holds its grain's turn: no call to the wallet before it is let go).
        await capture.Reached.Within("the flush's write to be on its way");
        capture.Open();
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0), (view.Balance, view.Held));
        await Eventually.Until(async () => (await Stored.Wallet(_cluster, id + "-f"))!.Holds.Count == 0, "the flush to store the capture");

        storedWallet = (await Stored.Wallet(_cluster, id + "-f"))!;
        var spend = Assert.Single(storedWallet.Entries, e => e.Kind == LedgerKind.Spend);
        Assert.Equal(-price, spend.Amount);
        var paid = storedWallet.Receipts[ReceiptKeys.Paid(id)];
        Assert.Equal((submitted.Balance, price), (paid.Balance, paid.Connects));
        var proposal = (await job.ProposalOf(id + "-f"))!;
        Assert.Equal(proposal.HoldId, paid.HoldId);
        Assert.Equal(walletWrites + 2, fx.StorageFaults.Writes("wallet", walletKey));

        // The job has the wallet's vouch in memory and spends no write on it: it goes with the job's next write, or when
        // the job deactivates.
        Assert.False(proposal.AwaitingWallet);
        Assert.Equal(jobWrites + 1, fx.StorageFaults.Writes("job", jobKey));
        Assert.True((await Stored.Job(_cluster, id))!.Proposals[id + "-f"].AwaitingWallet);
        await Audits.AssertClean(_cluster, output, id);
        await fx.Cluster.DeactivateAsync(job);
        Assert.False((await Stored.Job(_cluster, id))!.Proposals[id + "-f"].AwaitingWallet);
        Assert.Equal(jobWrites + 2, fx.StorageFaults.Writes("job", jobKey));
    }

    /// <summary>
    /// The hold's write fails while the job records the proposal. Before: the hold never reached storage. After: it did,
    /// and the wallet heard a failure. The wallet asks the job to abandon the record (or that fails too); the caller retries.
    /// </summary>
    [Theory]
    [InlineData(FaultMode.Before, false)]
    [InlineData(FaultMode.Before, true)]
    [InlineData(FaultMode.After, false)]
    [InlineData(FaultMode.After, true)]
    public async Task A_hold_write_that_fails_while_the_record_lands_is_charged_once_on_the_callers_retry(FaultMode storage, bool abandonFails)
    {
        var id = $"ow-retry-{storage}-{(abandonFails ? "stuck" : "abandoned")}".ToLowerInvariant();
        var freelancer = id + "-f";
        var (job, wallet, price) = await Setup(id);
        fx.StorageFaults.FailWrites("wallet", "freelancer:" + freelancer, storage);
        if (abandonFails) fx.Faults.FailBefore("IJobGrain.AbandonProposal", "job:" + id);

        await Assert.ThrowsAnyAsync<Exception>(() => wallet.SubmitProposal(id, price));

        Assert.True(fx.StorageFaults.Spent("wallet", "freelancer:" + freelancer));
        var record = await job.ProposalOf(freelancer);
        if (abandonFails)
            Assert.True(record?.AwaitingWallet, "the record stays provisional when the wallet cannot have it abandoned");
        else
            Assert.Null(record);
        // Storage, not the wallet: its next activation settles a stored hold with the job at once.
        var stored = (await Stored.Wallet(_cluster, freelancer))!;
        Assert.Equal(storage == FaultMode.After ? 1 : 0, stored.Holds.Count);
        Assert.DoesNotContain(stored.Entries, e => e.Kind == LedgerKind.Spend);

        var retry = await wallet.SubmitProposal(id, price);

        // Only a stored hold behind a standing record is this wallet's to capture; anything else starts afresh.
        var expected = storage == FaultMode.After && abandonFails ? SubmissionOutcome.AlreadySubmitted : SubmissionOutcome.Submitted;
        Assert.Equal((expected, price, 70 - price), (retry.Outcome, retry.ConnectsCharged, retry.Balance));
        var again = await wallet.SubmitProposal(id, price);
        Assert.Equal((SubmissionOutcome.AlreadySubmitted, price, 70 - price), (again.Outcome, again.ConnectsCharged, again.Balance));
        if (record is not null && expected == SubmissionOutcome.Submitted)
            Assert.NotEqual(record.HoldId, (await job.ProposalOf(freelancer))!.HoldId);
        await AssertChargedOnce(job, wallet, id, freelancer, price);

        fx.Time.Advance(PastHoldExpiry);
        Assert.Equal((70 - price, 0), ((await wallet.GetWallet())!.Balance, (await wallet.GetWallet())!.Held));
        await Audits.AssertClean(_cluster, output, id);
    }

    /// <summary>
    /// The same, and nobody retries: the job, finding its record still provisional a while later, asks the wallet (one-way).
    /// Never stored, the wallet writes (fencing out a late write of that hold) and has the job abandon the record: nothing is
    /// charged, and the hold can never be recorded. Stored, the wallet has the job make the record stand and captures it.
    /// </summary>
    [Theory]
    [InlineData(FaultMode.Before)]
    [InlineData(FaultMode.After)]
    public async Task With_nobody_retrying_the_job_settles_a_record_whose_hold_write_failed(FaultMode storage)
    {
        var id = $"ow-alone-{storage}".ToLowerInvariant();
        var freelancer = id + "-f";
        var (job, wallet, price) = await Setup(id);
        fx.StorageFaults.FailWrites("wallet", "freelancer:" + freelancer, storage);
        fx.Faults.FailBefore("IJobGrain.AbandonProposal", "job:" + id);

        await Assert.ThrowsAnyAsync<Exception>(() => wallet.SubmitProposal(id, price));
        var record = await job.ProposalOf(freelancer);
        Assert.NotNull(record);
        Assert.True(record.AwaitingWallet);

        if (storage == FaultMode.Before)
        {
            await Eventually.Until(async () => await job.ProposalOf(freelancer) is null, "the job to have the record abandoned");
            Assert.DoesNotContain(freelancer, (await Stored.Job(_cluster, id))!.Proposals.Keys);
            var late = await job.RecordProposal(freelancer, record.HoldId, record.Charged);
            Assert.Equal(RecordOutcome.HoldAborted, late.Outcome);
            var view = (await wallet.GetWallet())!;
            Assert.Equal((70, 0), (view.Balance, view.Held));
            Assert.DoesNotContain(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
            // The freelancer can still submit.
            Assert.Equal(SubmissionOutcome.Submitted, (await wallet.SubmitProposal(id, price)).Outcome);
        }
        else
        {
            await Eventually.Until(async () => (await job.ProposalOf(freelancer))?.AwaitingWallet == false, "the wallet to vouch for the record");
            Assert.False((await Stored.Job(_cluster, id))!.Proposals[freelancer].AwaitingWallet);
            Assert.Equal(record.HoldId, (await job.ProposalOf(freelancer))!.HoldId);
        }
        await AssertChargedOnce(job, wallet, id, freelancer, price);
        await Audits.AssertClean(_cluster, output, id);
    }

    /// <summary>
    /// The wallet's activation is lost after both writes, before its capture is stored (its flush write fails and it is
    /// dropped, like a process that died: storage has the hold and the job's record, memory is gone). The next activation
    /// settles the stored hold with the job before anything else, as it would an expired one: captured once, because
    /// recorded. So the caller's retry answers "already submitted", and a plain read already shows what was answered.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_wallet_lost_after_both_writes_before_its_capture_is_stored_is_charged_once(bool callerRetries)
    {
        var id = $"ow-lost-{(callerRetries ? "retry" : "read")}";
        var freelancer = id + "-f";
        var key = "freelancer:" + freelancer;
        var (job, wallet, price) = await Setup(id);
        var flush = fx.StorageFaults.HoldWrite("wallet", key, skip: 1);

        var submitted = await wallet.SubmitProposal(id, price);
        Assert.Equal(SubmissionOutcome.Submitted, submitted.Outcome);
        await flush.Reached.Within("the flush's write to be on its way");
        fx.StorageFaults.FailWrites("wallet", key, FaultMode.Before);
        var dropped = fx.Cluster.WaitForDeactivationAsync(wallet);
        flush.Open();
        Assert.IsType<TimeoutException>(await flush.Written.Within("the flush to fail"));
        await dropped.Within("the failed activation to be dropped once its timer turn ends");

        var stored = (await Stored.Wallet(_cluster, freelancer))!;
        Assert.Equal(price, Assert.Single(stored.Holds).Amount);
        Assert.DoesNotContain(stored.Entries, e => e.Kind == LedgerKind.Spend);
        Assert.NotNull(await job.ProposalOf(freelancer));

        if (callerRetries)
        {
            var retry = await wallet.SubmitProposal(id, price);
            Assert.Equal((SubmissionOutcome.AlreadySubmitted, price, 70 - price), (retry.Outcome, retry.ConnectsCharged, retry.Balance));
        }
        else
        {
            var view = (await wallet.GetWallet())!;
            Assert.Equal((submitted.Balance, 0), (view.Balance, view.Held));
        }
        await AssertChargedOnce(job, wallet, id, freelancer, price);
        fx.Time.Advance(PastHoldExpiry);
        Assert.Equal(70 - price, (await wallet.GetWallet())!.Balance);
        await Audits.AssertClean(_cluster, output, id);
    }

    /// <summary>
    /// A job is cancelled while it holds a provisional record whose wallet never wrote the hold (and could not have the
    /// record abandoned). The wallet, asked for the refund, finds no evidence it paid, fences, and says so; the job drops
    /// the record instead of counting a refund. Nothing is paid back that was never taken.
    /// </summary>
    [Fact]
    public async Task Cancelling_a_job_refunds_nothing_for_a_provisional_record_its_wallet_never_paid()
    {
        const string id = "ow-refund-unpaid";
        var freelancer = id + "-f";
        var (job, wallet, price) = await Setup(id);
        var paying = fx.Grains.Wallet(id + "-g");
        await paying.Open(Plan.Plus);
        Assert.Equal(SubmissionOutcome.Submitted, (await paying.SubmitProposal(id, price)).Outcome);
        fx.StorageFaults.FailWrites("wallet", "freelancer:" + freelancer, FaultMode.Before);
        fx.Faults.FailBefore("IJobGrain.AbandonProposal", "job:" + id);
        await Assert.ThrowsAnyAsync<Exception>(() => wallet.SubmitProposal(id, price));
        Assert.True((await job.ProposalOf(freelancer))?.AwaitingWallet);

        var cancelled = await fx.Grains.Cancellation(id).Cancel(CancelReason.ClientCancelled);

        Assert.Equal((JobStatus.Cancelled, 0, 1), (cancelled.Status, cancelled.RefundsPending, cancelled.ProposalCount));
        Assert.Equal([(id + "-g", price)], cancelled.Refunds.Select(r => (r.FreelancerId, r.Connects)));
        Assert.Null(await job.ProposalOf(freelancer));
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70, 0), (view.Balance, view.Held));
        Assert.DoesNotContain(await wallet.AllEntries(), e => e.Kind is LedgerKind.Spend or LedgerKind.Refund);
        Assert.Equal(70, (await paying.GetWallet())!.Balance);
        Assert.Single(await paying.AllEntries(), e => e.Kind == LedgerKind.Refund);
        await wallet.AssertConserved();
        await Audits.AssertClean(_cluster, output, id);
    }
}
