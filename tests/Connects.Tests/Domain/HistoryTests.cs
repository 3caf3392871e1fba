using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class HistoryTests
{
    private static readonly DateTimeOffset Anchor = new(2027, 1, 31, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Entries with sequences 1..count, one every 12 hours from the anchor.</summary>
    private static List<LedgerEntry> Entries(int count) =>
        Enumerable.Range(1, count)
            .Select(i => new LedgerEntry(i, Anchor.AddHours(12 * (i - 1)), LedgerKind.Spend, -1, 100 - i, "ref", 0, 1))
            .ToList();

    private static HistoryQuery Query(DateTimeOffset from, DateTimeOffset to, int limit = 50, long? before = null) => new(from, to, limit, before);

    private static List<LedgerEntry> ReadAllPages(List<LedgerEntry> entries, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        var read = new List<LedgerEntry>();
        long? before = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages <= entries.Count, "paging does not end");
            var page = History.Page(History.Select(entries, Query(from, to, limit, before)), limit);
            Assert.InRange(page.Entries.Count, 0, limit);
            read.AddRange(page.Entries);
            if (page.NextBefore is null) return read;
            Assert.Equal(page.Entries[^1].Sequence, page.NextBefore);
            before = page.NextBefore;
        }
    }

    [Fact]
    public void Select_returns_entries_in_the_window_newest_first()
    {
        var entries = Entries(20);
        var selected = History.Select(entries, Query(entries[4].At, entries[9].At)).ToList();
        Assert.Equal([10L, 9, 8, 7, 6, 5], selected.Select(e => e.Sequence));
    }

    [Fact]
    public void Select_orders_by_sequence_whatever_the_input_order()
    {
        var entries = Entries(10);
        var shuffled = entries.OrderBy(e => e.Sequence % 3).ThenByDescending(e => e.Sequence % 2).ToList();
        var selected = History.Select(shuffled, Query(Anchor, Anchor.AddYears(1))).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(i => (long)i), selected);
    }

    [Fact]
    public void Select_with_a_cursor_returns_only_older_entries()
    {
        var entries = Entries(20);
        var selected = History.Select(entries, Query(Anchor, Anchor.AddYears(1), before: 6)).ToList();
        Assert.Equal([5L, 4, 3, 2, 1], selected.Select(e => e.Sequence));
    }

    [Fact]
    public void Page_takes_the_limit_and_points_the_cursor_at_the_last_entry_returned()
    {
        var entries = Entries(10);
        var page = History.Page(History.Select(entries, Query(Anchor, Anchor.AddYears(1))), 4);
        Assert.Equal([10L, 9, 8, 7], page.Entries.Select(e => e.Sequence));
        Assert.Equal(7, page.NextBefore);
    }

    [Fact]
    public void The_last_page_has_no_cursor()
    {
        var entries = Entries(8);
        var exact = History.Page(History.Select(entries, Query(Anchor, Anchor.AddYears(1))), 8);
        Assert.Equal(8, exact.Entries.Count);
        Assert.Null(exact.NextBefore);

        var empty = History.Page([], 5);
        Assert.Empty(empty.Entries);
        Assert.Null(empty.NextBefore);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(37)]
    [InlineData(100)]
    public void Paging_returns_every_entry_exactly_once_newest_first(int limit)
    {
        var entries = Entries(37);
        var from = Anchor;
        var to = Anchor.AddYears(1);

        var read = ReadAllPages(entries, from, to, limit);

        Assert.Equal(entries.Select(e => e.Sequence).Reverse(), read.Select(e => e.Sequence));
    }

    [Fact]
    public void Paging_within_a_time_window_returns_exactly_the_window()
    {
        var entries = Entries(60);
        var from = entries[11].At.AddHours(-1);
        var to = entries[40].At;
        var expected = entries.Where(e => e.At >= from && e.At <= to).Select(e => e.Sequence).Reverse().ToList();
        Assert.Equal(30, expected.Count);

        var read = ReadAllPages(entries, from, to, 5);

        Assert.Equal(expected, read.Select(e => e.Sequence));
    }

    [Fact]
    public void Paging_a_real_wallets_ledger_returns_every_entry_once()
    {
        var wallet = new Wallet(new WalletState(), new WalletRules());
        wallet.Open("f-1", Plan.Plus, Anchor);
        wallet.Purchase("pay-1", 20, Anchor.AddDays(1));
        wallet.Advance(Anchor.AddMonths(8));
        var entries = wallet.State.Entries.ToList();

        var read = ReadAllPages(entries, Anchor, Anchor.AddMonths(8), 4);

        Assert.Equal(entries.Count, read.Count);
        Assert.Equal(entries.Count, read.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(entries.OrderByDescending(e => e.Sequence), read);
    }

    [Fact]
    public void Closed_cycles_to_read_include_the_cycle_before_from_and_stop_before_the_unarchived()
    {
        var from = BillingCycle.Of(Anchor, 3).Start.AddDays(5);
        var to = BillingCycle.Of(Anchor, 6).Start.AddDays(5);

        Assert.Equal([6, 5, 4, 3, 2], History.ClosedCyclesToRead(Anchor, Query(from, to), 10));
        Assert.Equal([4, 3, 2], History.ClosedCyclesToRead(Anchor, Query(from, to), 5));
        Assert.Equal([2], History.ClosedCyclesToRead(Anchor, Query(from, to), 3));
        Assert.Empty(History.ClosedCyclesToRead(Anchor, Query(from, to), 2));
        Assert.Empty(History.ClosedCyclesToRead(Anchor, Query(from, to), 0));
    }

    [Fact]
    public void A_query_starting_on_a_boundary_reads_the_cycle_that_closed_there()
    {
        var from = BillingCycle.Of(Anchor, 4).Start;
        var to = from.AddDays(1);
        Assert.Equal([4, 3], History.ClosedCyclesToRead(Anchor, Query(from, to), 12));
    }

    [Fact]
    public void A_query_in_the_first_cycle_or_before_the_anchor_reads_cycle_zero_only()
    {
        Assert.Equal([0], History.ClosedCyclesToRead(Anchor, Query(Anchor.AddDays(-30), Anchor.AddDays(3)), 5));
        Assert.Equal([1, 0], History.ClosedCyclesToRead(Anchor, Query(Anchor.AddDays(3), BillingCycle.Of(Anchor, 1).Start), 5));
    }

    [Theory]
    [InlineData(0, 60, 3)]
    [InlineData(30, 120, 7)]
    [InlineData(95, 400, 4)]
    [InlineData(200, 400, 6)]
    public void Statements_plus_the_unarchived_ledger_answer_a_query_like_the_whole_ledger(int fromDays, int toDays, int archiveUpTo)
    {
        // Every entry is filed under the cycle it belongs to; the closed cycles named by
        // ClosedCyclesToRead plus the entries still in the wallet must hold every entry of the query.
        var wallet = new Wallet(new WalletState(), new WalletRules());
        wallet.Open("f-1", Plan.Plus, Anchor);
        for (var day = 1; day <= 420; day += 9)
        {
            var now = Anchor.AddDays(day);
            wallet.Advance(now);
            if (day % 4 == 0) wallet.Purchase($"pay-{day}", 10, now);
            if (day % 3 == 0 && wallet.Reserve($"job-{day}", 5, now) is { } hold) wallet.Capture(hold.HoldId, 4, now);
            if (day % 5 == 0) wallet.ChangePlan(day % 10 == 0 ? Plan.Basic : Plan.Plus, now);
        }
        var all = wallet.State.Entries.ToList();
        var statements = all.Where(e => e.Cycle < archiveUpTo).GroupBy(e => e.Cycle).ToDictionary(g => g.Key, g => g.ToList());
        var unarchived = all.Where(e => e.Cycle >= archiveUpTo).ToList();
        var query = Query(Anchor.AddDays(fromDays), Anchor.AddDays(toDays), 1000);

        var cycles = History.ClosedCyclesToRead(Anchor, query, archiveUpTo).ToList();
        Assert.All(cycles, c => Assert.InRange(c, 0, archiveUpTo - 1));
        Assert.Equal(cycles.OrderByDescending(c => c), cycles);
        var fromStatements = cycles.SelectMany(c => statements.GetValueOrDefault(c) ?? []);

        Assert.Equal(
            History.Select(all, query).Select(e => e.Sequence),
            History.Select(fromStatements.Concat(unarchived), query).Select(e => e.Sequence));
    }
}
