namespace Connects.Domain;

/// <summary>What a job asks for, as far as its price is concerned.</summary>
[GenerateSerializer, Immutable, Alias("Connects.JobTerms")]
public sealed record JobTerms(
    [property: Id(0)] decimal BudgetUsd,
    [property: Id(1)] BudgetType BudgetType,
    [property: Id(2)] ProjectDuration Duration);
