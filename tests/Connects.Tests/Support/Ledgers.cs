using Connects.Contracts;
using Connects.Domain;

namespace Connects.Tests.Support;

public static class Ledgers
{
    /// <summary>Every entry of a wallet's whole life, paging through history newest first.</summary>
    public static async Task<List<LedgerEntry>> AllEntries(this IWalletGrain wallet, int pageSize = 500)
    {
        var all = new List<LedgerEntry>();
        long? before = null;
        do
        {
            var page = await wallet.GetHistory(new HistoryQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, pageSize, before));
            Assert.NotNull(page);
            all.AddRange(page.Entries);
            before = page.NextBefore;
        } while (before is not null);
        return all;
    }

    /// <summary>The conservation check: the entries sum to the balance, and each entry's balance-after is the running sum.</summary>
    public static async Task AssertConserved(this IWalletGrain wallet)
    {
        var view = await wallet.GetWallet();
        Assert.NotNull(view);
        var entries = (await wallet.AllEntries()).OrderBy(e => e.Sequence).ToList();
        var running = 0;
        foreach (var e in entries)
        {
            running += e.Amount;
            Assert.Equal(running, e.BalanceAfter);
        }
        Assert.Equal(view.Balance, running);
        Assert.Equal(view.Balance, view.Available + view.Held);
        Assert.True(view.Balance >= 0);
        Assert.Equal(entries.Count, entries.Select(e => e.Sequence).Distinct().Count());
    }
}
