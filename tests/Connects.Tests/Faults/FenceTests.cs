using System.Diagnostics;
using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>
/// A two-silo <see cref="FaultCluster"/> in which Orleans gives up on a stuck activation after
/// <see cref="StuckAfter"/> instead of two hours, so that a test can have a second activation of a grain take over
/// while the first one's write is still on its way to storage.
/// </summary>
public sealed class FenceClusterFixture : IAsyncLifetime
{
    /// <summary>
    /// <see cref="SiloMessagingOptions.MaxRequestProcessingTime"/>: when a call for a grain arrives and its activation has
    /// been running one request (or deactivating) for longer than this, Orleans unregisters that activation and activates
    /// the grain afresh for the call, leaving the old activation to finish its request: an activation that is dead to the
    /// cluster but still writing. Long enough that no call of these tests (one at a time per grain) comes near it.
    /// </summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(5);

    public FaultCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await FaultCluster.Start(2, TimeSpan.FromSeconds(60), configure: silo =>
    {
        silo.Services.Configure<SiloMessagingOptions>(o => o.MaxRequestProcessingTime = StuckAfter);
        // Only the tests' own calls reach the wallets: a job does not ask by itself about its provisional records (a
        // question arriving at a wallet whose write is held would make the takeover, at a moment the test does not choose).
        silo.Services.Configure<WalletProtocolSettings>(o => o.ProvisionalRecordAge = TimeSpan.FromMinutes(10));
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// The fence against an activation that is dead but still writing (README, "Why it stays atomic", rule 2). Every write of
/// a grain's state carries the version its activation read or last wrote (Orleans' ETag), and storage stores it only if
/// the row is still at that version. Each test holds one activation's write on its way to storage
/// (<see cref="StorageFaults.HoldWrite"/>), has Orleans give up on that activation and a second activation of the same
/// grain take over and write, then lets the first write go: it must fail on its version
/// (<see cref="InconsistentStateException"/>) and change nothing, every Connect must be charged once, and the audit must
/// be clean. Without the version check in the storage's write query, each of these tests fails.
/// <para>
/// The first activation is given up the way Orleans gives up on a stuck one (see <see cref="FenceClusterFixture"/>): the
/// cluster forgets it and activates the grain again while it still runs, which is what a silo declared dead while still
/// writing amounts to. Killing an in-process silo instead would not test the fence: its services are disposed with it,
/// so its held write would never reach the database.
/// </para>
/// </summary>
public sealed class FenceTests(FenceClusterFixture fx, ITestOutputHelper output) : IClassFixture<FenceClusterFixture>, IDisposable
{
    private FaultCluster C => fx.Cluster;

    public void Dispose()
    {
        C.Faults.Clear();
        C.StorageFaults.Clear();
    }

    private Task<(IJobGrain Job, IWalletGrain Wallet, int Price)> Setup(string id) => C.Grains.JobAndPlusWallet(id);

    /// <summary>A job and a wallet, and a submission whose first activation's hold write is held on its way to storage.</summary>
    private async Task<(string Freelancer, string Key, IJobGrain Job, IWalletGrain Wallet, int Price, StorageFaults.Gate Held, Task<SubmissionResult> First, Stopwatch Since)>
        FirstHoldWriteHeld(string id)
    {
        var freelancer = id + "-f";
        var key = "freelancer:" + freelancer;
        var (job, wallet, price) = await Setup(id);
        var held = C.StorageFaults.HoldWrite("wallet", key);
        var first = wallet.SubmitProposal(id, price);
        await held.Reached.Within("the first activation's hold write to be on its way");
        return (freelancer, key, job, wallet, price, held, first, Stopwatch.StartNew());
    }

    /// <summary>
    /// Orleans looks at how long an activation has been busy (or deactivating) only when the next call for its grain
    /// arrives, so that call must come after <see cref="FenceClusterFixture.StuckAfter"/>: this waits that threshold out
    /// (plus Orleans' coarse stopwatch's tick). It is the condition being set up, not a guess at how long anything takes.
    /// </summary>
    private static async Task PastStuckThreshold(Stopwatch since)
    {
        var left = FenceClusterFixture.StuckAfter + TimeSpan.FromSeconds(0.5) - since.Elapsed;
        if (left > TimeSpan.Zero) await Task.Delay(left);
    }

    private static async Task<Proposal> RecordOf(IJobGrain job, string freelancer)
    {
        Proposal? record = null;
        await Eventually.Until(async () => (record = await job.ProposalOf(freelancer)) is not null, "the job to record the proposal");
        return record!;
    }

    /// <summary>
    /// The wallet's first activation writes the hold of a submission while the job records it (provisional). The write
    /// hangs; Orleans gives up on the activation and the caller's retry reaches a second one, which stores no such hold:
    /// it fences (a write of its own), has the job abandon the record, submits afresh and then takes a purchase. The
    /// first activation's hold write, let go now, carries the version it read before all that: refused, nothing changed.
    /// Had it landed, it would have put back the wallet as the first activation saw it: the capture of the second
    /// submission and the purchase lost, and a hold the job has aborted.
    /// </summary>
    [Fact]
    public async Task A_wallet_write_from_an_activation_that_was_taken_over_fails_on_its_version_and_changes_nothing()
    {
        const string id = "fence-wallet";
        var (freelancer, key, job, wallet, price, held, first, since) = await FirstHoldWriteHeld(id);
        var stale = await RecordOf(job, freelancer);
        Assert.True(stale.AwaitingWallet);

        await PastStuckThreshold(since);
        var retry = await wallet.SubmitProposal(id, price);
        Assert.Equal((SubmissionOutcome.Submitted, price, 70 - price), (retry.Outcome, retry.ConnectsCharged, retry.Balance));
        Assert.True((await wallet.Purchase(id + "-pay", 10)).Created);
        var proposal = (await job.ProposalOf(freelancer))!;
        Assert.NotEqual(stale.HoldId, proposal.HoldId);
        Assert.False(first.IsCompleted, "the first activation is still in its submission, its hold write held");

        var second = (await Stored.Row(C, "wallet", key))!;
        var storedBySecond = (await Stored.Wallet(C, freelancer))!;
        Assert.Empty(storedBySecond.Holds);
        Assert.Equal(-price, Assert.Single(storedBySecond.Entries, e => e.Kind == LedgerKind.Spend).Amount);
        Assert.Single(storedBySecond.Entries, e => e.Kind == LedgerKind.Purchase);

        held.Open();

        Assert.IsType<InconsistentStateException>(await held.Written.Within("the first activation's hold write to be over"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.Within("the first activation's submission to answer"));
        var after = (await Stored.Row(C, "wallet", key))!;
        Assert.Equal(second, after);
        output.WriteLine($"the second activation's wallet row: {second}; after the first activation's stale write: {after}");

        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 + 10 - price, 0), (view.Balance, view.Held));
        var entries = await wallet.AllEntries();
        var spend = Assert.Single(entries, e => e.Kind == LedgerKind.Spend);
        Assert.Equal((ReceiptKeys.Paid(id), -price), (spend.Reference, spend.Amount));
        Assert.Equal(10, Assert.Single(entries, e => e.Kind == LedgerKind.Purchase).Amount);
        await wallet.AssertConserved();
        var standing = (await job.ProposalOf(freelancer))!;
        Assert.Equal((proposal.HoldId, price, false), (standing.HoldId, standing.ConnectsCharged, standing.AwaitingWallet));
        await Audits.AssertClean(C, output, id);
    }

    /// <summary>
    /// The other order (README: "had it landed first, the fence fails instead and nothing is abandoned"). The second
    /// activation's fence write is held too, and the first activation's hold write is let go first: it lands, the first
    /// activation answers its caller (charged, the record vouched for) and, going away, stores the capture. The fence then
    /// carries a version that is no longer stored: it fails, so the second activation abandons nothing. The next
    /// activation finds the capture, and the retry answers "already submitted": charged once.
    /// </summary>
    [Fact]
    public async Task A_fence_write_that_meets_the_earlier_activations_landed_write_fails_on_its_version_and_abandons_nothing()
    {
        const string id = "fence-landed";
        var (freelancer, key, job, wallet, price, held, first, since) = await FirstHoldWriteHeld(id);
        Assert.True(C.Cluster.TryGetGrainContext(wallet.GetGrainId(), out var firstActivation));
        var record = await RecordOf(job, freelancer);

        await PastStuckThreshold(since);
        var fence = C.StorageFaults.HoldWrite("wallet", key);
        var retry = wallet.SubmitProposal(id, price);
        await fence.Reached.Within("the second activation's fence write to be on its way");

        held.Open();

        Assert.Null(await held.Written.Within("the first activation's hold write to be over"));
        var answered = await first.Within("the first activation's submission to answer");
        Assert.Equal((SubmissionOutcome.Submitted, price, 70 - price), (answered.Outcome, answered.ConnectsCharged, answered.Balance));
        await firstActivation.Deactivated.Within("the first activation to store its capture and go");
        var landed = (await Stored.Row(C, "wallet", key))!;
        var storedByFirst = (await Stored.Wallet(C, freelancer))!;
        Assert.Empty(storedByFirst.Holds);
        Assert.Equal(-price, Assert.Single(storedByFirst.Entries, e => e.Kind == LedgerKind.Spend).Amount);

        fence.Open();

        Assert.IsType<InconsistentStateException>(await fence.Written.Within("the second activation's fence write to be over"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => retry.Within("the retry to answer"));
        var after = (await Stored.Row(C, "wallet", key))!;
        Assert.Equal(landed, after);
        output.WriteLine($"the wallet row the first activation left: {landed}; after the second activation's fence write: {after}");
        Assert.Equal(record.HoldId, (await job.ProposalOf(freelancer))?.HoldId);

        var again = await wallet.SubmitProposal(id, price);
        Assert.Equal((SubmissionOutcome.AlreadySubmitted, price, 70 - price), (again.Outcome, again.ConnectsCharged, again.Balance));
        var spend = Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        Assert.Equal((ReceiptKeys.Paid(id), -price), (spend.Reference, spend.Amount));
        Assert.Equal((70 - price, 0), ((await wallet.GetWallet())!.Balance, (await wallet.GetWallet())!.Held));
        await wallet.AssertConserved();
        await Eventually.Until(async () => (await job.ProposalOf(freelancer))?.AwaitingWallet == false, "the wallet to vouch for the record");
        Assert.Equal((record.HoldId, price), ((await job.ProposalOf(freelancer))!.HoldId, (await job.ProposalOf(freelancer))!.ConnectsCharged));
        await Audits.AssertClean(C, output, id);
    }

    /// <summary>
    /// The same for a job. Its first activation writes a freelancer's record and the write hangs; the activation is asked
    /// to deactivate (as when its silo shuts down or the grain is rebalanced) and cannot finish while its write is out;
    /// Orleans gives up on it, and another freelancer's submission reaches a second activation, which records that
    /// proposal and writes. The first activation's write, let go now, carries the version it read before: refused,
    /// nothing changed. Had it landed, the job's stored proposals would have been the first activation's: the second
    /// freelancer charged for a record that is gone. The first freelancer's submission fails with it and its retry charges once.
    /// </summary>
    [Fact]
    public async Task A_job_write_from_an_activation_that_was_taken_over_fails_on_its_version_and_changes_nothing()
    {
        const string id = "fence-job";
        var (job, ada, price) = await Setup(id);
        var bob = C.Grains.Wallet(id + "-g");
        await bob.Open(Plan.Plus);
        var key = "job:" + id;

        var held = C.StorageFaults.HoldWrite("job", key);
        var first = ada.SubmitProposal(id, price);
        await held.Reached.Within("the first activation's write of the record to be on its way");
        Assert.True(C.Cluster.TryGetGrainContext(job.GetGrainId(), out var activation));
        activation.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "a job activation whose write hangs"));
        var since = Stopwatch.StartNew();

        await PastStuckThreshold(since);
        var submitted = await bob.SubmitProposal(id, price);
        Assert.Equal((SubmissionOutcome.Submitted, price, 70 - price), (submitted.Outcome, submitted.ConnectsCharged, submitted.Balance));
        Assert.False(first.IsCompleted, "the first activation is still in its write of the record");

        var second = (await Stored.Row(C, "job", key))!;
        Assert.Equal([id + "-g"], (await Stored.Job(C, id))!.Proposals.Keys);

        held.Open();

        Assert.IsType<InconsistentStateException>(await held.Written.Within("the first activation's write of the record to be over"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.Within("the first submission to answer"));
        var after = (await Stored.Row(C, "job", key))!;
        Assert.Equal(second, after);
        output.WriteLine($"the second activation's job row: {second}; after the first activation's stale write: {after}");

        // The first freelancer's hold is stored, its record is not: the retry has the job abort that hold and submits afresh.
        var retry = await ada.SubmitProposal(id, price);
        Assert.Equal((SubmissionOutcome.Submitted, price, 70 - price), (retry.Outcome, retry.ConnectsCharged, retry.Balance));
        Assert.Equal([id + "-f", id + "-g"], (await Stored.Job(C, id))!.Proposals.Keys.Order());
        foreach (var (wallet, freelancer) in new[] { (ada, id + "-f"), (bob, id + "-g") })
        {
            var spend = Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
            Assert.Equal((ReceiptKeys.Paid(id), -price), (spend.Reference, spend.Amount));
            var view = (await wallet.GetWallet())!;
            Assert.Equal((70 - price, 0), (view.Balance, view.Held));
            await wallet.AssertConserved();
            Assert.Equal(price, (await job.ProposalOf(freelancer))!.ConnectsCharged);
        }
        Assert.Equal(2, (await job.GetJob())!.ProposalCount);
        await Audits.AssertClean(C, output, id);
    }
}
