namespace Connects.Domain;

/// <summary>
/// Where a wallet's archived receipts are kept, and which books a lookup reads. Receipts of closed cycles move to receipt
/// books, one per year of cycles (the years of statements, <see cref="History.StatementOf"/>), so archiving rewrites only
/// that year's row, whatever the wallet's age. The wallet records which years have a book
/// (<see cref="WalletState.ReceiptBookYears"/>), and a lookup reads, newest first, only those that can hold the receipt:
/// <list type="bullet">
/// <item>a refund's receipt is made after its job's cancellation, a paid proposal's after its submission: the books from
/// that cycle on (one cycle earlier, for clocks a little apart at a cycle's end), at any age;</item>
/// <item>a payment reference or a grant id says nothing of when it was applied: the books of the idempotency window
/// (<see cref="WalletRules.IdempotencyWindowMonths"/>), never older ones, so a new purchase reads a bounded number of
/// books however old the wallet is.</item>
/// </list>
/// </summary>
public static class ReceiptBooks
{
    /// <summary>The book that keeps a closed cycle's receipts.</summary>
    public static int YearOf(int cycle) => History.StatementOf(cycle);

    /// <summary>
    /// Newest first, the years of <paramref name="bookYears"/> whose books may hold a receipt of cycle
    /// <paramref name="fromCycle"/> or later. Books hold only closed cycles' receipts (before <paramref name="currentCycle"/>).
    /// </summary>
    public static IReadOnlyList<int> YearsToRead(IEnumerable<int>? bookYears, int fromCycle, int currentCycle)
    {
        if (bookYears is null || fromCycle >= currentCycle) return [];
        var (first, last) = (YearOf(Math.Max(0, fromCycle)), YearOf(currentCycle - 1));
        return [.. bookYears.Where(year => year >= first && year <= last).OrderDescending()];
    }

    /// <summary>The earliest cycle a receipt applied at or after <paramref name="instant"/> can carry: the cycle of that
    /// instant, less one (a hold made just before a cycle's end is recorded by its job just after; clocks of two silos
    /// differ a little).</summary>
    public static int CycleFrom(DateTimeOffset anchor, DateTimeOffset instant) => Math.Max(0, BillingCycle.At(anchor, instant).Index - 1);

    /// <summary>The earliest cycle whose receipts a payment reference or grant id is still recognised against.</summary>
    public static int WindowStart(int currentCycle, int windowMonths) => Math.Max(0, currentCycle - windowMonths);
}
