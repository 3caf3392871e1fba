namespace Connects.Domain;

/// <summary>
/// The auction for the top of a client's list of proposals, in one place (docs/design.md, "Boosted proposals").
/// <list type="bullet">
/// <item><b>Spots.</b> At most <paramref name="spots"/> proposals are boosted at once: the highest bids, equal bids by who bid
/// first. A bid that enters is charged at once (the whole bid; a raise of a held bid only the difference); the bid it pushes
/// out is owed back at once, once (<see cref="JobState.GiveBacksOwed"/>). A bid that does not enter is kept as the
/// freelancer's bid and charges nothing; a raise after an outbid re-enters for the whole new bid.</item>
/// <item><b>Open.</b> While the job is open, until <paramref name="duration"/> after it was posted (the Connects clock) or its
/// first hire, whichever comes first. Then the held bids are final.</item>
/// <item><b>Withdrawn.</b> A withdrawn winner frees its spot and keeps nothing back (<see cref="Forfeit"/>); nobody moves up
/// on their own.</item>
/// <item><b>Cancelled or removed.</b> Every bid still held is owed back (<see cref="OweRefunds"/>), with the proposal's refund.</item>
/// </list>
/// The wallet's side (hold, place, capture; settle a hold with <see cref="Resolve"/>) is <see cref="BoostProtocol"/>.
/// </summary>
public sealed class Auction(JobState state, int spots, TimeSpan duration)
{
    public int Spots => spots;

    /// <summary>When the auction closes (or closed): its time, or the first hire if that came first.</summary>
    public DateTimeOffset ClosesAt =>
        state.AuctionClosedAt is { } hired && hired < state.PostedAt + duration ? hired : state.PostedAt + duration;

    public bool IsOpen(DateTimeOffset now) =>
        state.IsPosted && state.Status == JobStatus.Open && state.AuctionClosedAt is null && now < state.PostedAt + duration;

    /// <summary>The boosted bids, best first: highest bid, then who bid first.</summary>
    public IReadOnlyList<BoostBid> Winners() =>
        [.. state.Bids.Values.Where(b => b.Boosted).OrderByDescending(b => b.Bid).ThenBy(b => b.BidOrder)];

    /// <summary>The bid that would enter the top spots now.</summary>
    public int MinimumToEnter()
    {
        var winners = Winners();
        return winners.Count < spots ? 1 : winners[spots - 1].Bid + 1;
    }

    public AuctionView View(DateTimeOffset now)
    {
        var open = IsOpen(now);
        return new AuctionView(open, ClosesAt, spots, [.. Winners().Select(b => b.Bid)], open ? MinimumToEnter() : null);
    }

    /// <summary>The client's list: the boosted proposals by bid, then every other proposal by submission time.</summary>
    public IReadOnlyList<RankedProposal> Ranking()
    {
        var boosted = Winners().Where(b => state.Proposals.ContainsKey(b.FreelancerId)).ToList();
        var ids = boosted.Select(b => b.FreelancerId).ToHashSet();
        var rest = state.Proposals.Values.Where(p => !ids.Contains(p.FreelancerId)).OrderBy(p => p.SubmittedAt).ThenBy(p => p.FreelancerId, StringComparer.Ordinal);
        return
        [
            .. boosted.Select(b => Entry(state.Proposals[b.FreelancerId])),
            .. rest.Select(Entry),
        ];
    }

    /// <summary>What a bid of <paramref name="bid"/> by <paramref name="freelancerId"/> would do now, changing nothing.
    /// <paramref name="proposalRequired"/> false: the proposal is about to be submitted with the bid.</summary>
    public BidResult Quote(string freelancerId, int bid, DateTimeOffset now, bool proposalRequired = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bid);
        if (!state.IsPosted) return new BidResult(BidOutcome.JobNotFound);
        if (state.Status != JobStatus.Open) return new BidResult(BidOutcome.JobNotOpen);
        if (!IsOpen(now)) return new BidResult(BidOutcome.AuctionClosed);
        var proposal = state.Proposals.GetValueOrDefault(freelancerId);
        if (proposal is null && proposalRequired) return new BidResult(BidOutcome.ProposalNotFound);
        if (proposal is not null && proposal.Status != ProposalStatus.Active) return new BidResult(BidOutcome.ProposalNotActive);
        var current = state.Bids.GetValueOrDefault(freelancerId);
        if (current is not null && bid < current.Bid) return new BidResult(BidOutcome.BidNotHigher, current.Bid, 0, current.Boosted);
        if (current is not null && bid == current.Bid) return new BidResult(BidOutcome.Unchanged, current.Bid, 0, current.Boosted);
        var needed = current is { Boosted: true } ? bid - current.HeldAmount : Enters(freelancerId, bid) ? bid : 0;
        return new BidResult(BidOutcome.Placed, bid, 0, false, needed);
    }

    /// <summary>
    /// Places a bid backed by a wallet's hold (<paramref name="holdId"/>, empty when the bid needs nothing): takes what the bid
    /// needs from <paramref name="held"/>, never more, and pushes the lowest winner out if the spots overflow (owed back).
    /// The same hold again answers what it did. A hold already settled as never placed is refused.
    /// </summary>
    public BidResult Place(string freelancerId, int bid, string holdId, IReadOnlyList<Slice> held, DateTimeOffset now)
    {
        var hasHold = holdId.Length > 0;
        if (hasHold && state.AbortedHolds.Contains(holdId)) return new BidResult(BidOutcome.HoldAborted);
        var existing = state.Bids.GetValueOrDefault(freelancerId);
        if (hasHold && existing is not null && existing.PlacedHolds.TryGetValue(holdId, out var charged))
            return new BidResult(BidOutcome.Placed, existing.Bid, charged, existing.Boosted);
        var quote = Quote(freelancerId, bid, now);
        if (quote.Outcome != BidOutcome.Placed) return quote;
        var needed = quote.Needed;
        if (needed > held.Sum(s => s.Amount)) return new BidResult(BidOutcome.HoldShort, bid, 0, false, needed);

        var entry = existing ?? (state.Bids[freelancerId] = new BoostBid { FreelancerId = freelancerId });
        var taken = Slices.Take(held, needed).Taken;
        if (entry.Boosted) entry.Held.AddRange(taken);
        else if (needed > 0)
        {
            entry.Generation++;
            entry.Held = taken;
            entry.Boosted = true;
        }
        entry.Bid = bid;
        entry.BidOrder = state.NextBidOrder++;
        entry.BidAt = now;
        entry.Charged += needed;
        if (hasHold) entry.PlacedHolds[holdId] = needed;

        var winners = Winners();
        for (var i = spots; i < winners.Count; i++) OweBack(winners[i], GiveBackKind.Returned, now);
        return new BidResult(BidOutcome.Placed, bid, needed, entry.Boosted, Displaced: winners.Count > spots);
    }

    /// <summary>A wallet settles a bid hold it cannot settle alone: placed (charged what the answer says), or aborted here
    /// for good (a late placement of it is refused) and released by the wallet. Returns whether the job changed.</summary>
    public (BidResult Answer, bool Changed) Resolve(string freelancerId, string holdId)
    {
        if (state.Bids.GetValueOrDefault(freelancerId) is { } bid && bid.PlacedHolds.TryGetValue(holdId, out var charged))
            return (new BidResult(BidOutcome.Placed, bid.Bid, charged, bid.Boosted), false);
        return (new BidResult(BidOutcome.HoldAborted), state.AbortedHolds.Add(holdId));
    }

    /// <summary>A give-back was applied by its wallet: it is no longer owed. Returns whether anything changed.</summary>
    public static bool MarkGivenBack(JobState state, string freelancerId, int generation)
    {
        var owed = state.GiveBacksOwed.FindIndex(g => g.FreelancerId == freelancerId && g.Generation == generation);
        if (owed < 0) return false;
        var amount = state.GiveBacksOwed[owed].Amount;
        state.GiveBacksOwed.RemoveAt(owed);
        if (state.Bids.GetValueOrDefault(freelancerId) is { } bid) bid.GivenBack += amount;
        return true;
    }

    /// <summary>A winner withdrew: its spot is free and its bid is kept, not given back.</summary>
    public static void Forfeit(JobState state, string freelancerId)
    {
        if (state.Bids.GetValueOrDefault(freelancerId) is not { Boosted: true } bid) return;
        bid.Kept += bid.HeldAmount;
        bid.Held = [];
        bid.Boosted = false;
    }

    /// <summary>The job was cancelled without a hire or removed: every bid still held is owed back, once.</summary>
    public static void OweRefunds(JobState state, DateTimeOffset now)
    {
        foreach (var bid in state.Bids.Values.Where(b => b.Boosted)) OweBack(state, bid, GiveBackKind.Refunded, now);
    }

    /// <summary>Connects of a bid that are neither held, kept, owed back nor given back (0 unless something is broken).</summary>
    public static int Unaccounted(JobState state, BoostBid bid) =>
        bid.Charged - bid.GivenBack - bid.Kept - bid.HeldAmount
        - state.GiveBacksOwed.Where(g => g.FreelancerId == bid.FreelancerId).Sum(g => g.Amount);

    private void OweBack(BoostBid bid, GiveBackKind kind, DateTimeOffset now) => OweBack(state, bid, kind, now);

    private static void OweBack(JobState state, BoostBid bid, GiveBackKind kind, DateTimeOffset now)
    {
        state.GiveBacksOwed.Add(new BoostGiveBack(bid.FreelancerId, bid.Generation, [.. bid.Held], kind, now));
        bid.Held = [];
        bid.Boosted = false;
    }

    private bool Enters(string freelancerId, int bid)
    {
        var others = Winners().Where(b => b.FreelancerId != freelancerId).ToList();
        return others.Count < spots || bid > others[spots - 1].Bid;
    }

    private RankedProposal Entry(Proposal p)
    {
        var bid = state.Bids.GetValueOrDefault(p.FreelancerId);
        return new RankedProposal(p.FreelancerId, p.Status, bid?.Boosted == true, bid?.Bid ?? 0, p.SubmittedAt);
    }
}
