using System.Text.Json.Serialization;

namespace Connects.Domain;

/// <summary>Where Connects in a bucket came from; decides how they leave (expiry, forfeit, rollover).</summary>
[JsonConverter(typeof(StrictEnumConverter<BucketSource>))]
public enum BucketSource
{
    [JsonStringEnumMemberName("monthly")] Monthly,
    [JsonStringEnumMemberName("rollover")] Rollover,
    [JsonStringEnumMemberName("purchase")] Purchase,
    [JsonStringEnumMemberName("grant")] Grant,
}
