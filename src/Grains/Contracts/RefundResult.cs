namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.RefundResult")]
public sealed record RefundResult([property: Id(0)] RefundOutcome Outcome, [property: Id(1)] int Connects = 0);
