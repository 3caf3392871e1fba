namespace Connects.Domain;

/// <summary>One change of a balance. <see cref="Amount"/> is signed; rollover entries move Connects and carry 0.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Connects.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] LedgerKind Kind,
    [property: Id(3)] int Amount,
    [property: Id(4)] int BalanceAfter,
    [property: Id(5)] string Reference,
    [property: Id(6)] int Cycle,
    [property: Id(7)] int Quantity,
    [property: Id(8)] string? Note = null);
