namespace Connects.Domain;

/// <summary>How a job answers a boost bid, quoted or placed.</summary>
[GenerateSerializer]
public enum BidOutcome
{
    /// <summary>Placed (or, from a quote, may be placed for <see cref="BidResult.Needed"/> Connects).</summary>
    Placed,
    /// <summary>The same bid again: nothing changes, nothing is charged.</summary>
    Unchanged,
    BidNotHigher,
    AuctionClosed,
    JobNotOpen,
    ProposalNotFound,
    ProposalNotActive,
    JobNotFound,
    /// <summary>The hold does not cover what the bid needs now (the bid was outbid meanwhile): hold again.</summary>
    HoldShort,
    /// <summary>The hold was settled as never placed: a late placement of it is refused.</summary>
    HoldAborted,
    InsufficientConnects,
    WalletNotFound,
}
