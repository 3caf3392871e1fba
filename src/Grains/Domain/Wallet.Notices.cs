namespace Connects.Domain;

/// <summary>
/// The wallet's notices: events that are not changes of the balance, recorded as ledger entries of amount 0 so that
/// each is stored in the very write that decides it and becomes its event like any entry (docs/design.md, "Events").
/// <list type="bullet">
/// <item><b>Low balance</b> (<see cref="LedgerKind.LowBalance"/>): the available Connects are below
/// <see cref="WalletRules.LowBalanceThreshold"/> and were not at the last notice; once per crossing: a notice is given
/// again only after the available Connects have been at or above the threshold in a stored write. A wallet that opens
/// below it has crossed nothing.</item>
/// <item><b>Expiring</b> (<see cref="LedgerKind.Expiring"/>): a purchased or granted bucket with Connects in it expires
/// within <see cref="WalletRules.ExpiryNoticeAhead"/>; once per bucket (its source and expiry), remembered until it
/// expires. Monthly and rolled-over Connects do not expire: they leave at a cycle's end, which the refresh event tells.</item>
/// </list>
/// </summary>
public sealed partial class Wallet
{
    /// <summary>The sources whose buckets expire (an <see cref="LedgerKind.Expiry"/> entry) and so are given an expiring notice.</summary>
    public static bool Expires(BucketSource source) => source is BucketSource.Purchase or BucketSource.Grant;

    /// <summary>When the expiring notice of a bucket expiring at <paramref name="expiresAt"/> falls due.</summary>
    public DateTimeOffset ExpiryNoticeDue(DateTimeOffset expiresAt) => expiresAt - rules.ExpiryNoticeAhead;

    /// <summary>Records the notices due at <paramref name="now"/> (the wallet brought up to now first); returns whether
    /// the state changed. Idempotent: a second call at the same instant changes nothing.</summary>
    public bool Notice(DateTimeOffset now)
    {
        if (!state.IsOpen) return false;
        var changed = NoticeExpiring(now);
        return NoticeLowBalance(now) || changed;
    }

    private bool NoticeLowBalance(DateTimeOffset now)
    {
        var below = Available < rules.LowBalanceThreshold;
        if (below == state.LowBalanceNoticed) return false;
        state.LowBalanceNoticed = below;
        if (below) Record(now, LedgerKind.LowBalance, 0, "low-balance", quantity: Available, note: $"below {rules.LowBalanceThreshold}");
        return true;
    }

    private bool NoticeExpiring(DateTimeOffset now)
    {
        var changed = false;
        if (state.ExpiryNoticesGiven is { } given && given.RemoveAll(g => g.ExpiresAt <= now) > 0)
        {
            if (given.Count == 0) state.ExpiryNoticesGiven = null;
            changed = true;
        }
        var due = state.Buckets
            .Where(b => Expires(b.Source) && b.Amount > 0 && b.ExpiresAt is { } e && e > now && ExpiryNoticeDue(e) <= now)
            .Where(b => state.ExpiryNoticesGiven?.Contains(new ExpiryNoticeGiven(b.Source, b.ExpiresAt!.Value)) != true)
            .OrderBy(b => b.ExpiresAt).ThenBy(b => b.Source)
            .ToList();
        foreach (var bucket in due)
        {
            var expiresAt = bucket.ExpiresAt!.Value;
            (state.ExpiryNoticesGiven ??= []).Add(new ExpiryNoticeGiven(bucket.Source, expiresAt));
            Record(now, LedgerKind.Expiring, 0, "expiring:" + bucket.Source.ToString().ToLowerInvariant(), quantity: bucket.Amount,
                note: expiresAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            changed = true;
        }
        return changed;
    }

    /// <summary>Whether <paramref name="kind"/> is a notice (no change of the balance): the history leaves it out.</summary>
    public static bool IsNotice(LedgerKind kind) => kind is LedgerKind.LowBalance or LedgerKind.Expiring;
}
