namespace Connects.Domain;

/// <summary>One entry of a client's list of proposals, in rank order (<see cref="Auction.Ranking"/>).</summary>
[GenerateSerializer, Immutable, Alias("Connects.RankedProposal")]
public sealed record RankedProposal(
    [property: Id(0)] string FreelancerId,
    [property: Id(1)] ProposalStatus Status,
    [property: Id(2)] bool Boosted,
    [property: Id(3)] int BoostBid,
    [property: Id(4)] DateTimeOffset SubmittedAt);
