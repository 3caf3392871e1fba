using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.CancelReason on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum CancelReason
{
    [JsonStringEnumMemberName("client-cancelled")] ClientCancelled,
    [JsonStringEnumMemberName("removed-by-marketplace")] RemovedByMarketplace,
}
