namespace Connects.Domain;

/// <summary>A quantity of Connects from one source that expires at one instant (never, for rollover).</summary>
[GenerateSerializer, Alias("Connects.Bucket")]
public sealed record Bucket
{
    [Id(0)] public required BucketSource Source { get; init; }
    [Id(1)] public required int Amount { get; set; }
    [Id(2)] public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Part of a hold or a charge, remembered with the source and expiry it came from so a refund restores it.</summary>
[GenerateSerializer, Immutable, Alias("Connects.Slice")]
public sealed record Slice(
    [property: Id(0)] BucketSource Source,
    [property: Id(1)] int Amount,
    [property: Id(2)] DateTimeOffset? ExpiresAt);

/// <summary>Connects reserved for a proposal: neither spent nor available until captured or released.</summary>
[GenerateSerializer, Alias("Connects.Hold")]
public sealed record Hold
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required string JobId { get; init; }
    [Id(2)] public required List<Slice> Slices { get; init; }
    [Id(3)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public required DateTimeOffset ExpiresAt { get; init; }
    public int Amount => Slices.Sum(s => s.Amount);
}

/// <summary>One change of a balance. <see cref="Amount"/> is signed; rollover entries move Connects and carry 0.</summary>
[GenerateSerializer, Immutable, Alias("Connects.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] LedgerKind Kind,
    [property: Id(3)] int Amount,
    [property: Id(4)] int BalanceAfter,
    [property: Id(5)] string Reference,
    [property: Id(6)] int Cycle,
    [property: Id(7)] int Quantity,
    [property: Id(8)] string? Note = null);

/// <summary>Running totals per kind over the wallet's whole life: the conservation equation in numbers.</summary>
[GenerateSerializer, Alias("Connects.LedgerTotals")]
public sealed record LedgerTotals
{
    [Id(0)] public int Opened { get; set; }
    [Id(1)] public long Refreshed { get; set; }
    [Id(2)] public long Granted { get; set; }
    [Id(3)] public long Purchased { get; set; }
    [Id(4)] public long Refunded { get; set; }
    [Id(5)] public long Spent { get; set; }
    [Id(6)] public long Expired { get; set; }
    [Id(7)] public long Forfeited { get; set; }
    [Id(8)] public long RolledOver { get; set; }

    /// <summary>opening + grants + refreshes + purchases + refunds − spends − expiries − forfeits.</summary>
    public long Net => Opened + Refreshed + Granted + Purchased + Refunded - Spent - Expired - Forfeited;

    public void Add(LedgerKind kind, int amount, int quantity)
    {
        switch (kind)
        {
            case LedgerKind.Opened: Opened += amount; break;
            case LedgerKind.MonthlyRefresh: Refreshed += amount; break;
            case LedgerKind.Grant: Granted += amount; break;
            case LedgerKind.Purchase: Purchased += amount; break;
            case LedgerKind.Refund: Refunded += amount; break;
            case LedgerKind.Spend: Spent -= amount; break;
            case LedgerKind.Expiry: Expired -= amount; break;
            case LedgerKind.Forfeit: Forfeited -= amount; break;
            case LedgerKind.Rollover: RolledOver += quantity; break;
        }
    }
}

/// <summary>What a purchase returned, kept so the same payment reference answers the same body.</summary>
[GenerateSerializer, Immutable, Alias("Connects.PurchaseReceipt")]
public sealed record PurchaseReceipt(
    [property: Id(0)] string PaymentReference,
    [property: Id(1)] int Connects,
    [property: Id(2)] decimal PriceUsd,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] int Balance,
    [property: Id(5)] DateTimeOffset PurchasedAt);

/// <summary>An applied external operation (purchase, grant, refund), remembered to apply it only once; and a proposal
/// paid for, remembered with its hold id and amount as the wallet's evidence that it took those Connects.</summary>
[GenerateSerializer, Immutable, Alias("Connects.Receipt")]
public sealed record Receipt(
    [property: Id(0)] string Key,
    [property: Id(1)] int Cycle,
    [property: Id(2)] int Balance,
    [property: Id(3)] PurchaseReceipt? Purchase,
    [property: Id(4)] string? HoldId = null,
    [property: Id(5)] int Connects = 0);

public static class ReceiptKeys
{
    public static string Purchase(string paymentReference) => "purchase:" + paymentReference;
    public static string Grant(string grantId) => "grant:" + grantId;
    public static string Refund(string jobId) => "refund:" + jobId;
    /// <summary>A proposal to a job, paid (captured); also the reference of its spend entry.</summary>
    public static string Paid(string jobId) => "proposal:" + jobId;
}

public static class Slices
{
    /// <summary>Takes <paramref name="amount"/> from the front of <paramref name="slices"/> (soonest expiring first).</summary>
    public static (List<Slice> Taken, List<Slice> Remaining) Take(IEnumerable<Slice> slices, int amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var taken = new List<Slice>();
        var rest = new List<Slice>();
        var left = amount;
        foreach (var slice in slices)
        {
            var take = Math.Min(left, slice.Amount);
            if (take > 0) taken.Add(slice with { Amount = take });
            if (slice.Amount - take > 0) rest.Add(slice with { Amount = slice.Amount - take });
            left -= take;
        }
        if (left > 0) throw new InvalidOperationException($"Cannot take {amount} Connects from slices holding {amount - left}.");
        return (taken, rest);
    }

    /// <summary>Orders by expiry, soonest first; Connects that never expire come last.</summary>
    public static int CompareExpiry(DateTimeOffset? a, DateTimeOffset? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        _ => a.Value.CompareTo(b.Value),
    };
}
