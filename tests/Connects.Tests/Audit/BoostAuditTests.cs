using Connects.Domain;

namespace Connects.Tests.Audit;

/// <summary>The audit covers bids: every Connect bid is held by a winner (or kept from one who withdrew), owed back, or
/// given back, and the wallets' boost entries agree with the jobs. Planted faults are found; clean state has none.</summary>
public sealed class BoostAuditTests
{
    private static readonly DateTimeOffset T0 = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly WalletRules _rules = new();

    /// <summary>Six wallets with a proposal each on one job, bids 1..6 (so the two lowest were outbid); one return delivered,
    /// one still owed; then a third wallet's bid raised.</summary>
    private (List<StoredWallet> Wallets, JobState Job) World()
    {
        var state = new JobState();
        var job = new Job(state);
        job.Post("job-1", "client", new JobTerms(500, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "design", T0);
        var auction = new Auction(state, 4, TimeSpan.FromDays(7));
        var wallets = new List<StoredWallet>();
        for (var i = 1; i <= 6; i++)
        {
            var id = "w" + i;
            var walletState = new WalletState();
            var wallet = new Wallet(walletState, _rules);
            wallet.Open(id, Plan.Plus, T0);
            var hold = wallet.Reserve("job-1", 5, T0)!;
            job.Record(id, hold.HoldId, hold.Slices, 5, T0);
            wallet.Capture(hold.HoldId, 5, T0);
            job.Vouch(id, hold.HoldId);
            var bidHold = wallet.ReserveBid("job-1", i, T0)!;
            var placed = auction.Place(id, i, bidHold.HoldId, bidHold.Slices, T0);
            wallet.CaptureBid(bidHold.HoldId, placed.Charged, T0);
            wallets.Add(new StoredWallet(id, walletState, []));
        }
        var first = state.GiveBacksOwed[0];
        new Wallet(wallets[0].State, _rules).GiveBackBid("job-1", first, T0);
        Auction.MarkGivenBack(state, first.FreelancerId, first.Generation);
        return (wallets, state);
    }

    private static AuditReport Run(List<StoredWallet> wallets, JobState job) => LedgerAudit.Run(wallets, [job], T0.AddMinutes(1));

    [Fact]
    public void Clean_bids_have_no_finding_and_the_totals_count_them()
    {
        var (wallets, job) = World();
        Assert.Single(job.GiveBacksOwed); // w2's return, not delivered yet: owed, not a finding
        var report = Run(wallets, job);
        Assert.True(report.Clean, string.Join("; ", report.Findings));
        Assert.Equal((21L, 1L, 20L), (report.Totals.BoostBids, report.Totals.BoostGivenBack, report.Totals.BoostHeld));
    }

    [Fact]
    public void A_return_applied_by_the_wallet_and_not_yet_marked_is_no_finding_but_a_second_one_is()
    {
        var (wallets, job) = World();
        var owed = job.GiveBacksOwed[0];
        var w2 = new Wallet(wallets[1].State, _rules);
        w2.GiveBackBid("job-1", owed, T0);
        Assert.True(Run(wallets, job).Clean);
        w2.GiveBackBid("job-1", owed with { Generation = 9 }, T0);
        var found = Assert.Single(Run(wallets, job).Findings);
        Assert.Equal((LedgerAudit.BidGiveBackMismatch, "job-1/w2"), (found.Kind, found.Subject));
    }

    [Fact]
    public void A_bid_charged_twice_by_the_wallet_is_found()
    {
        var (wallets, job) = World();
        var wallet = new Wallet(wallets[5].State, _rules);
        var again = wallet.ReserveBid("job-1", 6, T0)!;
        wallet.CaptureBid(again.HoldId, 6, T0);
        var found = Assert.Single(Run(wallets, job).Findings);
        Assert.Equal((LedgerAudit.BidChargeMismatch, "job-1/w6"), (found.Kind, found.Subject));
    }

    [Fact]
    public void A_placed_hold_still_being_captured_is_no_finding()
    {
        var (wallets, job) = World();
        var wallet = new Wallet(wallets[5].State, _rules);
        var raise = wallet.ReserveBid("job-1", 2, T0)!;
        new Auction(job, 4, TimeSpan.FromDays(7)).Place("w6", 8, raise.HoldId, raise.Slices, T0);
        Assert.True(Run(wallets, job).Clean, string.Join("; ", Run(wallets, job).Findings));
        wallet.ReleaseBid(raise.HoldId, T0); // released instead of captured: the job holds what the wallet never paid
        var found = Assert.Single(Run(wallets, job).Findings);
        Assert.Equal((LedgerAudit.BidChargeMismatch, "job-1/w6"), (found.Kind, found.Subject));
    }

    [Fact]
    public void Connects_a_job_lost_track_of_are_found()
    {
        var (wallets, job) = World();
        job.Bids["w4"].Held.RemoveAt(0);
        Assert.Contains(Run(wallets, job).Findings, f => f.Kind == LedgerAudit.BidUnaccounted && f.Subject == "job-1/w4");
    }

    [Fact]
    public void Boost_entries_for_a_bid_the_job_never_recorded_are_found()
    {
        var (wallets, job) = World();
        job.Bids.Remove("w3");
        Assert.Contains(Run(wallets, job).Findings, f => f.Kind == LedgerAudit.BidNotRecorded && f.Subject == "job-1/w3");
    }
}
