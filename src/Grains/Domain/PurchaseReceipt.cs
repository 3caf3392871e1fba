namespace Connects.Domain;

/// <summary>What a purchase returned, kept so the same payment reference answers the same body.</summary>
[GenerateSerializer, Immutable, Alias("Connects.PurchaseReceipt")]
public sealed record PurchaseReceipt(
    [property: Id(0)] string PaymentReference,
    [property: Id(1)] int Connects,
    [property: Id(2)] decimal PriceUsd,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] int Balance,
    [property: Id(5)] DateTimeOffset PurchasedAt);
