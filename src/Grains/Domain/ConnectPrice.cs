namespace Connects.Domain;

/// <summary>A job's price in Connects and the components it came from.</summary>
[GenerateSerializer, Immutable, Alias("Connects.ConnectPrice")]
public sealed record ConnectPrice(
    [property: Id(0)] int Connects,
    [property: Id(1)] int DurationBase,
    [property: Id(2)] int BudgetPoints,
    [property: Id(3)] decimal EffectiveBudgetUsd,
    [property: Id(4)] double DemandMultiplier,
    [property: Id(5)] double ApplicationsPerJob,
    [property: Id(6)] double Unclamped,
    [property: Id(7)] int MinConnects,
    [property: Id(8)] int MaxConnects);
