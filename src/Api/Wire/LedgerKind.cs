using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.LedgerKind on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
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
    [JsonStringEnumMemberName("boost-bid")] BoostBid,
    [JsonStringEnumMemberName("boost-returned")] BoostReturned,
    [JsonStringEnumMemberName("boost-refunded")] BoostRefunded,
    [JsonStringEnumMemberName("low-balance")] LowBalance,
    [JsonStringEnumMemberName("expiring")] Expiring,
}
