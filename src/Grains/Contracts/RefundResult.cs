namespace Connects.Contracts;

/// <remarks>Id 1 (the Connects refunded, which nothing read) is retired: never reuse it.</remarks>
[GenerateSerializer, Immutable, Alias("Connects.RefundResult")]
public sealed record RefundResult([property: Id(0)] RefundOutcome Outcome);
