namespace Connects.Domain;

public static class History
{
    public static IEnumerable<LedgerEntry> Select(IEnumerable<LedgerEntry> entries, HistoryQuery query) =>
        entries.Where(e => !Wallet.IsNotice(e.Kind) && e.At >= query.From && e.At <= query.To && (query.Before is null || e.Sequence < query.Before))
            .OrderByDescending(e => e.Sequence);

    /// <summary>Cycles per statement: a wallet's archived entries are kept by year of cycles.</summary>
    public const int CyclesPerStatement = 12;

    /// <summary>The statement that keeps a closed cycle's entries.</summary>
    public static int StatementOf(int cycle) => cycle / CyclesPerStatement;

    /// <summary>The statements that may hold entries of the query, newest first (see <see cref="ClosedCyclesToRead"/>).</summary>
    public static IEnumerable<int> StatementsToRead(DateTimeOffset anchor, HistoryQuery query, int oldestUnarchivedCycle) =>
        ClosedCyclesToRead(anchor, query, oldestUnarchivedCycle).Select(StatementOf).Distinct();

    /// <summary>The closed cycles whose statements may hold entries of the query, newest first.
    /// Entries made at a cycle's end (rollover, forfeit) belong to the closing cycle, hence the one before.</summary>
    public static IEnumerable<int> ClosedCyclesToRead(DateTimeOffset anchor, HistoryQuery query, int oldestUnarchivedCycle)
    {
        if (oldestUnarchivedCycle <= 0) yield break;
        var last = query.To >= BillingCycle.Of(anchor, oldestUnarchivedCycle).Start
            ? oldestUnarchivedCycle - 1
            : Math.Min(oldestUnarchivedCycle - 1, BillingCycle.At(anchor, query.To).Index);
        var first = Math.Max(0, BillingCycle.At(anchor, query.From).Index - 1);
        for (var cycle = last; cycle >= first; cycle--) yield return cycle;
    }

    public static HistoryPage Page(IEnumerable<LedgerEntry> newestFirst, int limit)
    {
        var taken = newestFirst.Take(limit + 1).ToList();
        return taken.Count > limit
            ? new HistoryPage(taken.Take(limit).ToList(), taken[limit - 1].Sequence)
            : new HistoryPage(taken, null);
    }
}
