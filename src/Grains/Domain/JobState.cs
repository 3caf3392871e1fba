namespace Connects.Domain;

[GenerateSerializer, Alias("Connects.JobState")]
public sealed class JobState
{
    [Id(0)] public string JobId { get; set; } = "";
    [Id(1)] public bool IsPosted { get; set; }
    [Id(2)] public string ClientId { get; set; } = "";
    [Id(3)] public JobTerms Terms { get; set; } = new(0, BudgetType.Fixed, ProjectDuration.LessThan1Week);
    [Id(4)] public string Category { get; set; } = "";
    [Id(5)] public JobStatus Status { get; set; }
    [Id(6)] public DateTimeOffset PostedAt { get; set; }
    [Id(7)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(8)] public CancelReason? CancelReason { get; set; }
    [Id(9)] public string? HiredFreelancerId { get; set; }
    [Id(10)] public Dictionary<string, Proposal> Proposals { get; set; } = [];
    /// <summary>Holds the job refused for good after a wallet found them expired: a late record of one is refused.</summary>
    [Id(11)] public HashSet<string> AbortedHolds { get; set; } = [];
}
