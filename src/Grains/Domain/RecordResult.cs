namespace Connects.Domain;

[GenerateSerializer, Immutable, Alias("Connects.RecordResult")]
public sealed record RecordResult(
    [property: Id(0)] RecordOutcome Outcome,
    [property: Id(1)] Proposal? Proposal,
    [property: Id(2)] int ConnectsRequired);
