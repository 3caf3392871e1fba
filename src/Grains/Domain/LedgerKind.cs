namespace Connects.Domain;

public enum LedgerKind
{
    Opened,
    MonthlyRefresh,
    Rollover,
    Forfeit,
    Purchase,
    Grant,
    Spend,
    Refund,
    Expiry,
}
