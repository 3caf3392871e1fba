namespace Connects.Domain;

/// <remarks>Id 2 (the price asked, which nothing read) is retired: never reuse it.</remarks>
[GenerateSerializer, Immutable, Alias("Connects.RecordResult")]
public sealed record RecordResult(
    [property: Id(0)] RecordOutcome Outcome,
    [property: Id(1)] Proposal? Proposal);
