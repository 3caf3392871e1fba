using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<LedgerKind>))]
public enum LedgerKind
{
    [JsonStringEnumMemberName("opened")] Opened,
    [JsonStringEnumMemberName("monthly-refresh")] MonthlyRefresh,
    [JsonStringEnumMemberName("rollover")] Rollover,
    [JsonStringEnumMemberName("forfeit")] Forfeit,
    [JsonStringEnumMemberName("purchase")] Purchase,
    [JsonStringEnumMemberName("grant")] Grant,
    [JsonStringEnumMemberName("spend")] Spend,
    [JsonStringEnumMemberName("refund")] Refund,
    [JsonStringEnumMemberName("expiry")] Expiry,
}
