namespace Connects.Domain;

[GenerateSerializer, Immutable, Alias("Connects.HistoryPage")]
public sealed record HistoryPage(
    [property: Id(0)] IReadOnlyList<LedgerEntry> Entries,
    [property: Id(1)] long? NextBefore);
