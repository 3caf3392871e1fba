using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<ProposalStatus>))]
public enum ProposalStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("hired")] Hired,
    [JsonStringEnumMemberName("refunded")] Refunded,
}
