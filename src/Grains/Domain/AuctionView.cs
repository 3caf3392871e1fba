namespace Connects.Domain;

/// <summary>A job's auction for the top spots of its list: the winning bids (highest first) and the bid that enters now
/// (null once closed).</summary>
[GenerateSerializer, Immutable, Alias("Connects.AuctionView")]
public sealed record AuctionView(
    [property: Id(0)] bool Open,
    [property: Id(1)] DateTimeOffset ClosesAt,
    [property: Id(2)] int Spots,
    [property: Id(3)] IReadOnlyList<int> WinningBids,
    [property: Id(4)] int? MinimumToEnter);
