using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.BucketSource on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
/// <summary>Where Connects in a bucket came from; decides how they leave (expiry, forfeit, rollover).</summary>
public enum BucketSource
{
    [JsonStringEnumMemberName("monthly")] Monthly,
    [JsonStringEnumMemberName("rollover")] Rollover,
    [JsonStringEnumMemberName("purchase")] Purchase,
    [JsonStringEnumMemberName("grant")] Grant,
}
