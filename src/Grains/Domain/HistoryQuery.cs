namespace Connects.Domain;

/// <summary>A window of a wallet's ledger, newest first. <see cref="Before"/> is the paging cursor:
/// only entries older than that sequence number are returned.</summary>
[GenerateSerializer, Immutable, Alias("Connects.HistoryQuery")]
public sealed record HistoryQuery(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] DateTimeOffset To,
    [property: Id(2)] int Limit,
    [property: Id(3)] long? Before);
