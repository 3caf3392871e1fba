namespace Connects.Domain;

/// <summary>Part of a hold or a charge, remembered with the source and expiry it came from so a refund restores it.</summary>
[GenerateSerializer, Immutable, Alias("Connects.Slice")]
public sealed record Slice(
    [property: Id(0)] BucketSource Source,
    [property: Id(1)] int Amount,
    [property: Id(2)] DateTimeOffset? ExpiresAt);
