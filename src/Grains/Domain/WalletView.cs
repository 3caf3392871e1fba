namespace Connects.Domain;

/// <summary>What a wallet shows at an instant.</summary>
[GenerateSerializer, Immutable, Alias("Connects.WalletView")]
public sealed record WalletView(
    [property: Id(0)] string FreelancerId,
    [property: Id(1)] Plan Plan,
    [property: Id(2)] Plan? NextPlan,
    [property: Id(3)] int Balance,
    [property: Id(4)] int Held,
    [property: Id(5)] int Available,
    [property: Id(6)] IReadOnlyList<Slice> Buckets,
    [property: Id(7)] int MonthlyAllotment,
    [property: Id(8)] DateTimeOffset NextRefreshAt,
    [property: Id(9)] int ExpiringWithin30Days,
    [property: Id(10)] DateTimeOffset BillingAnchor,
    [property: Id(11)] int Cycle);
