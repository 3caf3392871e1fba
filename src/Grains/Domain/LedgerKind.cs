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
    /// <summary>A boost bid charged (negative); reference: the job id.</summary>
    BoostBid,
    /// <summary>A boost bid given back after an outbid (positive); reference: the job id.</summary>
    BoostReturned,
    /// <summary>A boost bid given back after its job was cancelled without a hire or removed (positive); reference: the job id.</summary>
    BoostRefunded,
}
