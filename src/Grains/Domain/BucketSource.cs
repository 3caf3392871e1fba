namespace Connects.Domain;

/// <summary>Where Connects in a bucket came from; decides how they leave (expiry, forfeit, rollover).</summary>
public enum BucketSource
{
    Monthly,
    Rollover,
    Purchase,
    Grant,
}
