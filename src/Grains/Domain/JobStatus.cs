using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("filled")] Filled,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("removed")] Removed,
}
