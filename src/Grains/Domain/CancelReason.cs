using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<CancelReason>))]
public enum CancelReason
{
    [JsonStringEnumMemberName("client-cancelled")] ClientCancelled,
    [JsonStringEnumMemberName("removed-by-marketplace")] RemovedByMarketplace,
}
