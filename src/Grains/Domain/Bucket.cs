namespace Connects.Domain;

/// <summary>A quantity of Connects from one source that expires at one instant (never, for rollover).</summary>
[GenerateSerializer, Alias("Connects.Bucket")]
public sealed record Bucket
{
    [Id(0)] public required BucketSource Source { get; init; }
    [Id(1)] public required int Amount { get; set; }
    [Id(2)] public DateTimeOffset? ExpiresAt { get; init; }
}
