namespace Connects.Domain;

/// <summary>A job's answer to a boost bid (quoted, placed or resolved), completed by the wallet with its balance.</summary>
/// <param name="Needed">The Connects the bid needs now: the whole bid to enter the top spots, the difference for a raise of a
/// held bid, 0 for a bid that does not enter.</param>
/// <param name="ProposalPrice">From a quote for a new submission: what the proposal itself will cost (0 if invited or
/// already submitted).</param>
/// <param name="Displaced">The placement pushed a winner out: a return is owed, to deliver at once.</param>
/// <param name="NextRefreshAt">Set by the wallet: when its next monthly allotment arrives (what a 402 tells the caller).</param>
[GenerateSerializer, Immutable, Alias("Connects.BidResult")]
public sealed record BidResult(
    [property: Id(0)] BidOutcome Outcome,
    [property: Id(1)] int Bid = 0,
    [property: Id(2)] int Charged = 0,
    [property: Id(3)] bool Boosted = false,
    [property: Id(4)] int Needed = 0,
    [property: Id(5)] int Balance = 0,
    [property: Id(6)] int Available = 0,
    [property: Id(7)] int ProposalPrice = 0,
    [property: Id(8)] bool Displaced = false,
    [property: Id(9)] DateTimeOffset? NextRefreshAt = null);
