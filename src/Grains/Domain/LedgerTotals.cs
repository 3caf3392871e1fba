namespace Connects.Domain;

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
    [Id(9)] public long BoostBids { get; set; }
    [Id(10)] public long BoostReturned { get; set; }
    [Id(11)] public long BoostRefunded { get; set; }

    /// <summary>opening + grants + refreshes + purchases + refunds − spends − expiries − forfeits − boost bids + boost bids
    /// returned or refunded.</summary>
    public long Net => Opened + Refreshed + Granted + Purchased + Refunded - Spent - Expired - Forfeited - BoostBids + BoostReturned + BoostRefunded;

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
            case LedgerKind.BoostBid: BoostBids -= amount; break;
            case LedgerKind.BoostReturned: BoostReturned += amount; break;
            case LedgerKind.BoostRefunded: BoostRefunded += amount; break;
        }
    }
}
