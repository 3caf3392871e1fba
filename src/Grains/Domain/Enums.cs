using System.Text.Json.Serialization;

namespace Connects.Domain;

/// <summary>Enums travel as their kebab-case names only: a number or an unknown name is refused.</summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;

[JsonConverter(typeof(StrictEnumConverter<Plan>))]
public enum Plan
{
    [JsonStringEnumMemberName("basic")] Basic,
    [JsonStringEnumMemberName("plus")] Plus,
}

/// <summary>Where Connects in a bucket came from; decides how they leave (expiry, forfeit, rollover).</summary>
[JsonConverter(typeof(StrictEnumConverter<BucketSource>))]
public enum BucketSource
{
    [JsonStringEnumMemberName("monthly")] Monthly,
    [JsonStringEnumMemberName("rollover")] Rollover,
    [JsonStringEnumMemberName("purchase")] Purchase,
    [JsonStringEnumMemberName("grant")] Grant,
}

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

[JsonConverter(typeof(StrictEnumConverter<BudgetType>))]
public enum BudgetType
{
    [JsonStringEnumMemberName("fixed")] Fixed,
    [JsonStringEnumMemberName("hourly")] Hourly,
}

[JsonConverter(typeof(StrictEnumConverter<ProjectDuration>))]
public enum ProjectDuration
{
    [JsonStringEnumMemberName("less-than-1-week")] LessThan1Week,
    [JsonStringEnumMemberName("1-4-weeks")] OneToFourWeeks,
    [JsonStringEnumMemberName("1-3-months")] OneToThreeMonths,
    [JsonStringEnumMemberName("3-6-months")] ThreeToSixMonths,
    [JsonStringEnumMemberName("more-than-6-months")] MoreThanSixMonths,
}

[JsonConverter(typeof(StrictEnumConverter<JobStatus>))]
public enum JobStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("filled")] Filled,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    [JsonStringEnumMemberName("removed")] Removed,
}

[JsonConverter(typeof(StrictEnumConverter<ProposalStatus>))]
public enum ProposalStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("hired")] Hired,
    [JsonStringEnumMemberName("refunded")] Refunded,
}

[JsonConverter(typeof(StrictEnumConverter<CancelReason>))]
public enum CancelReason
{
    [JsonStringEnumMemberName("client-cancelled")] ClientCancelled,
    [JsonStringEnumMemberName("removed-by-marketplace")] RemovedByMarketplace,
}
