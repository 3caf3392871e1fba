namespace Connects.Domain;

/// <summary>
/// The wallet's events: one per ledger entry, of the type its kind names, with the entry's sequence as the subject's
/// sequence. The ledger entry is the outbox record: it is stored in the wallet's own write, so an event exists exactly
/// when its change is durable, and the events table is filled from it (see docs/design.md, "Events").
/// </summary>
public static class WalletEvents
{
    public const string Opened = "connects.wallet.opened";
    public const string Refreshed = "connects.wallet.refreshed";
    public const string Purchased = "connects.ledger.purchased";
    public const string Granted = "connects.ledger.granted";
    public const string Spent = "connects.ledger.spent";
    public const string Refunded = "connects.ledger.refunded";
    public const string Expired = "connects.ledger.expired";
    public const string BoostBid = "connects.ledger.boost-bid";
    public const string BoostReturned = "connects.ledger.boost-returned";
    public const string BoostRefunded = "connects.ledger.boost-refunded";
    public const string LowBalance = "connects.wallet.low-balance";
    public const string Expiring = "connects.wallet.expiring";

    /// <summary>The wallet's event types (a webhook may subscribe to these and <see cref="JobEvents.Types"/>: <see cref="EventTypes.All"/>).</summary>
    public static readonly IReadOnlyList<string> Types =
        [Opened, Refreshed, Purchased, Granted, Spent, Refunded, Expired, BoostBid, BoostReturned, BoostRefunded, LowBalance, Expiring];

    /// <summary>The event id of a freelancer's ledger entry: unique across subjects (the sequence, digits only, ends it
    /// after the last colon), the same every time it is made.</summary>
    public static string IdOf(string freelancerId, long sequence) => $"wallet:{freelancerId}:{sequence}";

    /// <summary>The event type of a ledger kind. A cycle's end (refresh, rollover, forfeit) is a refresh: the kind in the
    /// data says which part.</summary>
    public static string TypeOf(LedgerKind kind) => kind switch
    {
        LedgerKind.Opened => Opened,
        LedgerKind.MonthlyRefresh or LedgerKind.Rollover or LedgerKind.Forfeit => Refreshed,
        LedgerKind.Purchase => Purchased,
        LedgerKind.Grant => Granted,
        LedgerKind.Spend => Spent,
        LedgerKind.Refund => Refunded,
        LedgerKind.Expiry => Expired,
        LedgerKind.BoostBid => BoostBid,
        LedgerKind.BoostReturned => BoostReturned,
        LedgerKind.BoostRefunded => BoostRefunded,
        LedgerKind.LowBalance => LowBalance,
        LedgerKind.Expiring => Expiring,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "A ledger kind without an event type."),
    };

    /// <summary>The event of a ledger entry. A notice (<see cref="Wallet.IsNotice"/>) changes no balance: its amount is
    /// the Connects it is about (available for low-balance, expiring for expiring), its note the threshold or the expiry.</summary>
    public static ConnectsEvent Of(string freelancerId, LedgerEntry entry) =>
        new(IdOf(freelancerId, entry.Sequence), TypeOf(entry.Kind), freelancerId, entry.Sequence, entry.At,
            entry.Kind, Wallet.IsNotice(entry.Kind) ? entry.Quantity : entry.Amount, entry.BalanceAfter, entry.Reference, entry.Note);

    /// <summary>
    /// Where recording must start again for a wallet: every entry before <paramref name="recordedBefore"/> (as the wallet
    /// stored it) or up to <paramref name="lastInTable"/> (as the events table has it) is recorded. A wallet stored before
    /// events (0) starts at its oldest entry still in its state: its archived history is not replayed as events.
    /// </summary>
    public static long RecordFrom(long recordedBefore, long? lastInTable, long oldestInState) =>
        Math.Max(recordedBefore == 0 ? oldestInState : recordedBefore, (lastInTable ?? 0) + 1);
}
