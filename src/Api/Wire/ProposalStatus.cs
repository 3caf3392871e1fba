using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.ProposalStatus on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum ProposalStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("hired")] Hired,
    [JsonStringEnumMemberName("refunded")] Refunded,
}
