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
    /// <summary>A notice, not a change (amount 0): the available Connects fell below
    /// <see cref="WalletRules.LowBalanceThreshold"/>; quantity: the available Connects. Not shown in the history.</summary>
    LowBalance,
    /// <summary>A notice, not a change (amount 0): a purchased or granted bucket expires within
    /// <see cref="WalletRules.ExpiryNoticeAhead"/>; quantity: its Connects, note: its expiry. Not shown in the history.</summary>
    Expiring,
}
