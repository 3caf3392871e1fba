namespace Connects.Domain;

/// <summary>A job as the boost protocol sees it from one freelancer's wallet.</summary>
public interface IBoostJob
{
    string JobId { get; }

    /// <summary>What a bid would do now (<see cref="Auction.Quote"/>), changing nothing; for a submission with a bid
    /// (<paramref name="proposalRequired"/> false) also what the proposal itself costs.</summary>
    Task<BidResult> QuoteBid(int bid, bool proposalRequired);

    /// <summary>Places the bid backed by <paramref name="hold"/> (null: the bid needs no Connects), durably.</summary>
    Task<BidResult> PlaceBid(int bid, Hold? hold);

    /// <summary>Decides a bid hold: placed (and charged what the answer says), or aborted for good.</summary>
    Task<BidResult> ResolveBid(string holdId);
}
