namespace Connects.Domain;

/// <summary>An applied external operation (purchase, grant, refund), remembered to apply it only once; and a proposal
/// paid for, remembered with its hold id and amount as the wallet's evidence that it took those Connects.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Connects.Receipt")]
public sealed record Receipt(
    [property: Id(0)] string Key,
    [property: Id(1)] int Cycle,
    [property: Id(2)] int Balance,
    [property: Id(3)] PurchaseReceipt? Purchase,
    [property: Id(4)] string? HoldId = null,
    [property: Id(5)] int Connects = 0);
