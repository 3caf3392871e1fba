using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>How an outbid's return or a cancellation's bid refund cut short by a fault is finished.</summary>
public enum GiveBackRecovery
{
    /// <summary>The caller (the API after a bid, or the cancel's retry) delivers again.</summary>
    Retry,
    /// <summary>Nobody retries: the job's reminder delivers what is owed.</summary>
    JobReminder,
}

/// <summary>
/// One fault at one step of a boost bid (quote, place, the wallet's call, the job deciding a bid hold left behind) or of a
/// give-back's delivery (list owed, the wallet's give-back, mark delivered, the delivery itself) after an outbid or a
/// cancellation, then the system settles and the caller retries: the bid is charged exactly once, each give-back reaches its
/// wallet exactly once, no hold is left, and the audit is clean.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BoostFaultTests(ClusterFixture fx, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PastHoldExpiry = TimeSpan.FromMinutes(3);
    private readonly SharedCluster _c = new(fx);

    public static readonly string[] BidSteps = ["IJobGrain.QuoteBid", "IJobGrain.PlaceBid", "IWalletGrain.Boost"];
    public static readonly string[] GiveBackSteps =
        ["ICancellationGrain.Deliver", "IJobGrain.GetGiveBacksOwed", "IWalletGrain.GiveBackBid", "IJobGrain.MarkGivenBack"];

    public static TheoryData<string, FaultMode> Bids()
    {
        var data = new TheoryData<string, FaultMode>();
        foreach (var step in BidSteps)
            foreach (var mode in new[] { FaultMode.Before, FaultMode.After }) data.Add(step, mode);
        return data;
    }

    public static TheoryData<FaultMode, FaultMode> Resolutions()
    {
        var data = new TheoryData<FaultMode, FaultMode>();
        foreach (var place in new[] { FaultMode.Before, FaultMode.After })
            foreach (var resolve in new[] { FaultMode.Before, FaultMode.After }) data.Add(place, resolve);
        return data;
    }

    public static TheoryData<string, FaultMode, GiveBackRecovery, bool> GiveBacks()
    {
        var data = new TheoryData<string, FaultMode, GiveBackRecovery, bool>();
        foreach (var step in GiveBackSteps)
            foreach (var mode in new[] { FaultMode.Before, FaultMode.After })
                foreach (var recovery in Enum.GetValues<GiveBackRecovery>())
                    foreach (var cancel in new[] { false, true })
                    {
                        // The cancellation's own call is Cancel, not Deliver; its reminder exists once the job is cancelled.
                        if (cancel && step == "ICancellationGrain.Deliver") continue;
                        data.Add(step, mode, recovery, cancel);
                    }
        return data;
    }

    public void Dispose() => fx.Faults.Clear();

    private static string Short(string step) => step[(step.IndexOf('.') + 1)..].ToLowerInvariant();

    private async Task<(IJobGrain Job, IWalletGrain Wallet, int Price)> Proposal(string jobId, string freelancer)
    {
        var job = await fx.Grains.PostedJob(jobId);
        var wallet = await fx.Grains.OpenedWallet(freelancer);
        var submitted = await wallet.SubmitProposal(jobId, 16);
        Assert.Equal(SubmissionOutcome.Submitted, submitted.Outcome);
        return (job, wallet, submitted.ConnectsCharged);
    }

    [Theory, MemberData(nameof(Bids))]
    public async Task A_bid_faulted_at_one_step_settles_and_its_retry_charges_once(string step, FaultMode mode)
    {
        var jobId = $"bf-{Short(step)}-{mode}".ToLowerInvariant();
        var freelancer = jobId + "-f";
        var (job, wallet, price) = await Proposal(jobId, freelancer);
        var grainKey = step.StartsWith("IWalletGrain.", StringComparison.Ordinal) ? "freelancer:" + freelancer : "job:" + jobId;

        fx.Faults.Inject(mode, step, grainKey);
        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Boost(jobId, 5));
        Assert.True(fx.Faults.Spent(step, grainKey), $"The fault at {step} did not fire.");
        await Settle(wallet);

        var retry = await wallet.Boost(jobId, 5);
        Assert.Contains(retry.Outcome, new[] { BidOutcome.Placed, BidOutcome.Unchanged });
        Assert.Equal((5, true, 70 - price - 5), (retry.Bid, retry.Boosted, retry.Balance));
        await AssertBidOnce(job, wallet, jobId, freelancer, price, 5);
        output.WriteLine($"{step} {mode}: the retry answered {retry.Outcome}, charged 5 once");
    }

    /// <summary>A bid hold left behind (its placement never ran, or ran with its reply lost), then the job's decision on it
    /// faulted too: the next attempt fails, the one after settles the hold as the job decides, and the bid is charged once.</summary>
    [Theory, MemberData(nameof(Resolutions))]
    public async Task A_bid_hold_left_behind_whose_resolution_faulted_is_settled_once(FaultMode place, FaultMode resolve)
    {
        var jobId = $"bf-resolve-{place}-{resolve}".ToLowerInvariant();
        var freelancer = jobId + "-f";
        var (job, wallet, price) = await Proposal(jobId, freelancer);

        fx.Faults.Inject(place, "IJobGrain.PlaceBid", "job:" + jobId);
        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Boost(jobId, 5));
        Assert.Equal(5, (await wallet.GetWallet())!.Held);
        Assert.Equal(place == FaultMode.After, (await job.GetProposals())!.Single().Boosted);

        fx.Faults.Inject(resolve, "IJobGrain.ResolveBid", "job:" + jobId);
        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Boost(jobId, 5));
        Assert.True(fx.Faults.Spent("IJobGrain.ResolveBid", "job:" + jobId));

        var retry = await wallet.Boost(jobId, 5);
        Assert.Equal(place == FaultMode.After ? BidOutcome.Unchanged : BidOutcome.Placed, retry.Outcome);
        Assert.Equal((true, 70 - price - 5), (retry.Boosted, retry.Balance));
        await Settle(wallet);
        await AssertBidOnce(job, wallet, jobId, freelancer, price, 5);
    }

    /// <summary>A late placement of a hold the wallet already settled as never placed is refused: the job aborted it.</summary>
    [Fact]
    public async Task A_late_placement_of_a_settled_bid_hold_is_refused()
    {
        const string jobId = "bf-late";
        const string freelancer = "bf-late-f";
        var (job, wallet, price) = await Proposal(jobId, freelancer);
        fx.Faults.FailBefore("IJobGrain.PlaceBid", "job:" + jobId);
        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Boost(jobId, 5));
        var hold = Assert.Single((await Stored.Wallet(_c, freelancer))!.BidHolds!);
        fx.Time.Advance(PastHoldExpiry);
        Assert.Equal((0, 70 - price), ((await wallet.GetWallet())!.Held, (await wallet.GetWallet())!.Balance));

        var late = await job.PlaceBid(freelancer, 5, hold.HoldId, hold.Slices);
        Assert.Equal(BidOutcome.HoldAborted, late.Outcome);
        Assert.False((await job.GetProposals())!.Single().Boosted);
        Assert.DoesNotContain(await wallet.AllEntries(), e => e.Kind == LedgerKind.BoostBid);
        await Audits.AssertClean(_c, output, jobId);
    }

    /// <summary>An outbid (or a cancellation with a bid held) whose give-back's delivery faulted at one step: the retry or the
    /// job's reminder delivers it, once.</summary>
    [Theory, MemberData(nameof(GiveBacks))]
    public async Task A_give_back_faulted_at_one_step_reaches_its_wallet_once(string step, FaultMode mode, GiveBackRecovery recovery, bool cancel)
    {
        var jobId = $"bg-{Short(step)}-{mode}-{recovery}-{(cancel ? "c" : "o")}".ToLowerInvariant();
        var loser = jobId + "-0";
        var (job, loserWallet, price) = await Proposal(jobId, loser);
        Assert.True((await loserWallet.Boost(jobId, 1)).Boosted);
        for (var i = 1; i <= 3; i++)
        {
            var wallet = await fx.Grains.OpenedWallet($"{jobId}-{i}");
            Assert.Equal(SubmissionOutcome.Submitted, (await wallet.SubmitBoostedProposal(jobId, 16, 1 + i)).Outcome);
        }
        var cancellation = fx.Grains.Cancellation(jobId);
        var grainKey = step switch
        {
            "IWalletGrain.GiveBackBid" => "freelancer:" + loser,
            _ => "job:" + jobId,
        };
        var kind = cancel ? LedgerKind.BoostRefunded : LedgerKind.BoostReturned;

        fx.Faults.Inject(mode, step, grainKey);
        if (cancel)
            await Assert.ThrowsAnyAsync<Exception>(() => cancellation.Cancel(CancelReason.ClientCancelled));
        else
        {
            var top = await fx.Grains.OpenedWallet(jobId + "-top");
            var outbidding = await top.SubmitBoostedProposal(jobId, 16, 9);
            Assert.True(outbidding.Boosted);
            await Assert.ThrowsAnyAsync<Exception>(() => cancellation.Deliver());
        }
        Assert.True(fx.Faults.Spent(step, grainKey), $"The fault at {step} did not fire.");
        await fx.Faults.Quiesce();

        if (recovery == GiveBackRecovery.Retry)
        {
            if (cancel) await cancellation.Cancel(CancelReason.ClientCancelled);
            else await cancellation.Deliver();
        }
        else
        {
            var ticks = 0;
            await Eventually.Until(async () =>
            {
                if ((await job.GetGiveBacksOwed()).Count == 0) return true;
                fx.ReminderTime.Advance(TimeSpan.FromMinutes(1));
                ticks++;
                return false;
            }, "the job's reminder to deliver the give-backs", poll: TimeSpan.FromMilliseconds(100));
            output.WriteLine($"the job's reminder delivered after {ticks} minute(s) of reminder time");
        }
        await cancellation.Deliver(); // once more: nothing changes
        Assert.Empty(await job.GetGiveBacksOwed());

        var back = Assert.Single(await loserWallet.AllEntries(), e => e.Kind == kind);
        Assert.Equal((jobId, 1), (back.Reference, back.Amount));
        Assert.Equal(70 - price + (cancel ? price : 0), (await loserWallet.GetWallet())!.Balance);
        await loserWallet.AssertConserved();
        await Audits.AssertClean(_c, output, jobId);
    }

    /// <summary>Delayed calls finish, the hold's expiry passes, a read settles what is left.</summary>
    private async Task Settle(IWalletGrain wallet)
    {
        await fx.Faults.Quiesce();
        fx.Time.Advance(PastHoldExpiry);
        Assert.Equal(0, (await wallet.GetWallet())!.Held);
    }

    private async Task AssertBidOnce(IJobGrain job, IWalletGrain wallet, string jobId, string freelancer, int price, int bid)
    {
        var charged = Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.BoostBid);
        Assert.Equal((jobId, -bid), (charged.Reference, charged.Amount));
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price - bid, 0), (view.Balance, view.Held));
        var entry = Assert.Single((await job.GetProposals())!);
        Assert.Equal((freelancer, true, bid), (entry.FreelancerId, entry.Boosted, entry.BoostBid));
        await wallet.AssertConserved();
        await Audits.AssertClean(_c, output, jobId);
    }
}
