namespace Connects.Domain;

/// <summary>What a renewal cohort keeps: how far its wallets have all been refreshed.</summary>
[GenerateSerializer, Alias("Connects.RenewalCohortState")]
public sealed class RenewalCohortState
{
    /// <summary>The latest renewal instant through which every wallet of the cohort was refreshed durably.</summary>
    [Id(0)] public DateTimeOffset? RefreshedThrough { get; set; }
}
