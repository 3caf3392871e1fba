namespace Connects.Domain;

/// <summary>Connects reserved for a proposal: neither spent nor available until captured or released.</summary>
[GenerateSerializer, SuppressReferenceTracking, Alias("Connects.Hold")]
public sealed record Hold
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required string JobId { get; init; }
    [Id(2)] public required List<Slice> Slices { get; init; }
    [Id(3)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public required DateTimeOffset ExpiresAt { get; init; }
    public int Amount => Slices.Sum(s => s.Amount);
}
