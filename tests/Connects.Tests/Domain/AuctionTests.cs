using Connects.Domain;

namespace Connects.Tests.Domain;

/// <summary>The auction's rules (<see cref="Auction"/>) on the plain domain.</summary>
public sealed class AuctionTests
{
    private static readonly DateTimeOffset T0 = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    private static (JobState State, Job Job, Auction Auction) Posted(params string[] freelancers)
    {
        var state = new JobState();
        var job = new Job(state);
        job.Post("job-1", "client", new JobTerms(500, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "design", T0);
        foreach (var f in freelancers) job.Record(f, "h-" + f, [new Slice(BucketSource.Monthly, 5, null)], 5, T0.AddMinutes(state.Proposals.Count));
        return (state, job, new Auction(state, 4, Week));
    }

    private static IReadOnlyList<Slice> Connects(int amount) => [new Slice(BucketSource.Purchase, amount, null)];

    private static BidResult Bid(Auction auction, string f, int bid, DateTimeOffset? at = null)
    {
        var quote = auction.Quote(f, bid, at ?? T0);
        return auction.Place(f, bid, quote.Needed > 0 ? $"b-{f}-{bid}" : "", Connects(quote.Needed), at ?? T0);
    }

    [Fact]
    public void The_auction_closes_at_its_time_on_the_clock_given_or_at_the_first_hire()
    {
        var (state, job, auction) = Posted("a", "b");
        Assert.True(auction.IsOpen(T0 + Week - TimeSpan.FromTicks(1)));
        Assert.False(auction.IsOpen(T0 + Week));
        Assert.Equal(BidOutcome.AuctionClosed, auction.Quote("a", 3, T0 + Week).Outcome);
        Assert.Equal(T0 + Week, auction.ClosesAt);

        Bid(auction, "a", 3);
        job.Hire("b", T0.AddDays(2));
        Assert.Equal((false, T0.AddDays(2)), (auction.IsOpen(T0.AddDays(2)), auction.ClosesAt));
        Assert.Equal(BidOutcome.JobNotOpen, auction.Quote("a", 9, T0.AddDays(2)).Outcome);
        Assert.Equal([3], auction.View(T0.AddDays(2)).WinningBids);
        Assert.Null(auction.View(T0.AddDays(2)).MinimumToEnter);
        Assert.Equal(T0.AddDays(2), state.AuctionClosedAt);
    }

    [Fact]
    public void Equal_bids_rank_by_who_bid_first_and_a_bid_equal_to_the_lowest_winner_does_not_enter()
    {
        var (state, _, auction) = Posted("a", "b", "c", "d", "e");
        foreach (var f in new[] { "d", "c", "b", "a" }) Assert.True(Bid(auction, f, 5).Boosted);
        Assert.Equal(["d", "c", "b", "a"], auction.Winners().Select(w => w.FreelancerId));
        Assert.Equal(6, auction.MinimumToEnter());
        var equal = Bid(auction, "e", 5);
        Assert.Equal((BidOutcome.Placed, false, 0), (equal.Outcome, equal.Boosted, equal.Charged));
        Assert.Empty(state.GiveBacksOwed);
        Assert.Equal(["d", "c", "b", "a", "e"], auction.Ranking().Select(r => r.FreelancerId));
        // e raises above: it enters for its whole bid and the last to bid 5 (a) is pushed out, owed back once.
        var raised = Bid(auction, "e", 6);
        Assert.Equal((true, 6), (raised.Boosted, raised.Charged));
        var owed = Assert.Single(state.GiveBacksOwed);
        Assert.Equal(("a", 1, 5, GiveBackKind.Returned), (owed.FreelancerId, owed.Generation, owed.Amount, owed.Kind));
    }

    [Fact]
    public void A_placement_answers_the_same_for_the_same_hold_and_refuses_a_hold_settled_as_never_placed()
    {
        var (state, _, auction) = Posted("a");
        var placed = auction.Place("a", 4, "bh-1", Connects(4), T0);
        Assert.Equal(placed, auction.Place("a", 4, "bh-1", Connects(4), T0));
        Assert.Equal(4, state.Bids["a"].Charged);
        Assert.Equal(BidOutcome.Placed, auction.Resolve("a", "bh-1").Answer.Outcome);
        var (aborted, changed) = auction.Resolve("a", "bh-2");
        Assert.Equal((BidOutcome.HoldAborted, true), (aborted.Outcome, changed));
        Assert.Equal(BidOutcome.HoldAborted, auction.Place("a", 9, "bh-2", Connects(5), T0).Outcome);
        Assert.Equal(4, state.Bids["a"].Bid);
        // A hold short of what the raise needs is refused, and nothing changes.
        Assert.Equal((BidOutcome.HoldShort, 5), (auction.Place("a", 9, "bh-3", Connects(4), T0).Outcome, auction.Quote("a", 9, T0).Needed));
        Assert.Equal(4, state.Bids["a"].Charged);
    }

    [Fact]
    public void A_withdrawn_winner_keeps_nothing_back_and_a_cancellation_owes_every_bid_still_held()
    {
        var (state, job, auction) = Posted("a", "b", "c");
        Bid(auction, "a", 3);
        Bid(auction, "b", 4);
        job.Withdraw("a");
        Assert.Equal((false, 3), (state.Bids["a"].Boosted, state.Bids["a"].Kept));
        Assert.Equal([4], auction.View(T0).WinningBids);
        job.Decline("b");
        job.Cancel(CancelReason.ClientCancelled, T0.AddHours(1));
        var owed = Assert.Single(state.GiveBacksOwed);
        Assert.Equal(("b", 4, GiveBackKind.Refunded), (owed.FreelancerId, owed.Amount, owed.Kind));
        Assert.All(state.Bids.Values, b => Assert.Equal(0, Auction.Unaccounted(state, b)));
        Assert.False(job.Cancel(CancelReason.ClientCancelled, T0.AddHours(2)));
        Assert.Single(state.GiveBacksOwed);
    }

    [Fact]
    public void An_invited_freelancers_proposal_is_recorded_at_no_charge()
    {
        var (state, job, _) = Posted();
        Assert.True(job.Invite("a"));
        Assert.False(job.Invite("a"));
        var recorded = job.Record("a", "h-a", [], 7, T0);
        Assert.Equal((RecordOutcome.Recorded, 0), (recorded.Outcome, recorded.Proposal!.ConnectsCharged));
        Assert.Contains("a", state.Invited);
    }
}
