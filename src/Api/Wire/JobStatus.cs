using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.JobStatus on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum JobStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("filled")] Filled,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("removed")] Removed,
}
