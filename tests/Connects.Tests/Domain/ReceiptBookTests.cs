using System.ComponentModel.DataAnnotations;
using Connects.Domain;

namespace Connects.Tests.Domain;

/// <summary>Receipt books per year of cycles: where archived receipts go, and which books a lookup reads.</summary>
public sealed class ReceiptBookTests
{
    private static readonly DateTimeOffset T0 = new(2027, 1, 15, 10, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset CycleStart(Wallet wallet, int index) => BillingCycle.Of(wallet.State.Anchor, index).Start;

    /// <summary>A Plus wallet that bought a bundle and paid a proposal in every cycle up to <paramref name="cycles"/>,
    /// archived at every cycle close as the grain does; the receipts each archive moved, by book.</summary>
    private static (Wallet Wallet, List<(int Book, Receipt Receipt)> Archived) Aged(int cycles, WalletRules? rules = null)
    {
        var wallet = new Wallet(new WalletState(), rules ?? new WalletRules { ArchiveAfterEntries = 0 });
        wallet.Open("freelancer-1", Plan.Plus, T0);
        var archived = new List<(int, Receipt)>();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var at = CycleStart(wallet, cycle).AddDays(2);
            wallet.Advance(at);
            archived.AddRange(wallet.ReceiptsToArchive().Select(r => (ReceiptBooks.YearOf(r.Cycle), r)));
            wallet.ForgetArchived();
            wallet.Purchase($"pay-{cycle}", 10, at);
            var hold = wallet.Reserve($"job-{cycle}", 4, at)!;
            wallet.Capture(hold.HoldId, 4, at);
        }
        wallet.Advance(CycleStart(wallet, cycles).AddDays(1));
        archived.AddRange(wallet.ReceiptsToArchive().Select(r => (ReceiptBooks.YearOf(r.Cycle), r)));
        wallet.ForgetArchived();
        return (wallet, archived);
    }

    [Fact]
    public void Receipts_move_to_the_book_of_their_year_of_cycles_and_the_wallet_records_which_years_have_one()
    {
        var idle = new Wallet(new WalletState(), new WalletRules());
        idle.Open("freelancer-1", Plan.Basic, T0);
        idle.Advance(T0.AddYears(2));
        idle.ForgetArchived();
        Assert.Null(idle.State.ReceiptBookYears); // an idle wallet carries no list

        var (wallet, archived) = Aged(30);

        Assert.Equal(60, archived.Count);
        Assert.All(archived, a => Assert.Equal(a.Receipt.Cycle / 12, a.Book));
        Assert.Equal([0, 1, 2], wallet.State.ReceiptBookYears);
        Assert.Equal(Enumerable.Range(0, 12).Select(c => $"purchase:pay-{c}").Order(),
            archived.Where(a => a.Book == 0 && a.Receipt.Purchase is not null).Select(a => a.Receipt.Key).Order());
        Assert.Empty(wallet.State.Receipts);
    }

    [Theory]
    [InlineData(24, 3)]
    [InlineData(12, 2)]
    [InlineData(1, 2)]
    public void A_payment_reference_or_grant_id_is_looked_up_only_in_the_books_of_the_idempotency_window(int window, int most)
    {
        var (wallet, archived) = Aged(130, new WalletRules { ArchiveAfterEntries = 0, IdempotencyWindowMonths = window });
        var books = wallet.State.ReceiptBookYears!;
        Assert.Equal(Enumerable.Range(0, 11), books);

        // At every age, the books read cover every receipt of the window and are never more than the window spans.
        for (var cycle = 0; cycle <= 130; cycle++)
        {
            wallet.State.Cycle = cycle; // the same books, seen from each cycle of the wallet's life
            var read = wallet.ReceiptBooksToRead(appliedFrom: null);
            Assert.True(read.Count <= most, $"cycle {cycle}: {read.Count} books");
            Assert.Equal(read.OrderDescending(), read);
            var due = archived.Where(a => a.Receipt.Cycle < cycle && a.Receipt.Cycle >= cycle - window).Select(a => a.Book).Distinct();
            Assert.All(due, book => Assert.Contains(book, read));
        }

        wallet.State.Cycle = 130;
        int[] expected = window switch { 24 => [10, 9, 8], 12 => [10, 9], _ => [10] };
        Assert.Equal(expected, wallet.ReceiptBooksToRead(appliedFrom: null));
    }

    [Fact]
    public void A_refund_or_a_paid_proposal_is_looked_up_from_its_jobs_date_on_at_any_age()
    {
        var (wallet, _) = Aged(120);
        Assert.Equal(120, wallet.State.Cycle);

        // Cancelled (or submitted) in cycle 30 of year 2: the books from cycle 29 on, newest first, however old.
        Assert.Equal([9, 8, 7, 6, 5, 4, 3, 2], wallet.ReceiptBooksToRead(CycleStart(wallet, 30).AddDays(3)));
        // In a year's first cycle, the book of the cycle before it too: a hold made just before the cycle ended
        // is captured in that cycle, though its job records it just after.
        Assert.Equal([9, 8, 7, 6, 5, 4, 3, 2, 1], wallet.ReceiptBooksToRead(CycleStart(wallet, 24).AddMinutes(1)));
        // Cancelled in the open cycle: only the last closed cycle's book.
        Assert.Equal([9], wallet.ReceiptBooksToRead(CycleStart(wallet, 120).AddHours(1)));
        // Dated ahead of the wallet (a clock a cycle or more ahead): no book can hold it yet.
        Assert.Empty(wallet.ReceiptBooksToRead(CycleStart(wallet, 122)));
    }

    [Fact]
    public void A_wallet_stored_before_books_per_year_moves_its_old_book_before_any_lookup()
    {
        // Stored before the field existed, an open wallet reads false: its archived receipts may be in the old book.
        var stored = new WalletState { FreelancerId = "freelancer-1", IsOpen = true, Anchor = T0, Cycle = 27 };
        var wallet = new Wallet(stored, new WalletRules());
        Assert.True(wallet.KeepsLegacyReceiptBook);

        wallet.ReceiptBookMoved([new Receipt("purchase:a", 3, 10, null), new Receipt("grant:b", 15, 20, null), new Receipt("purchase:c", 4, 30, null)]);

        Assert.False(wallet.KeepsLegacyReceiptBook);
        // Every year up to the last closed cycle (26: year 2) may have a book: a silo of before may have written the
        // wallet without the years a silo of now had recorded.
        Assert.Equal([0, 1, 2], stored.ReceiptBookYears);
        Assert.Equal([2, 1, 0], wallet.ReceiptBooksToRead(appliedFrom: null)); // cycle 27, window 24: cycles 3 on
        Assert.False(new Wallet(new WalletState(), new WalletRules()).KeepsLegacyReceiptBook); // never opened: no book

        var opened = new Wallet(new WalletState(), new WalletRules());
        opened.Open("freelancer-2", Plan.Basic, T0);
        Assert.False(opened.KeepsLegacyReceiptBook); // opened with books per year
    }

    [Fact]
    public void The_idempotency_window_has_a_documented_default_and_is_validated()
    {
        Assert.Equal(24, new WalletRules().IdempotencyWindowMonths);
        Assert.Empty(Validate(new WalletRules()));
        Assert.Empty(Validate(new WalletRules { IdempotencyWindowMonths = 1 }));
        Assert.Empty(Validate(new WalletRules { IdempotencyWindowMonths = 1200 }));
        Assert.Contains(nameof(WalletRules.IdempotencyWindowMonths), Validate(new WalletRules { IdempotencyWindowMonths = 0 }));
        Assert.Contains(nameof(WalletRules.IdempotencyWindowMonths), Validate(new WalletRules { IdempotencyWindowMonths = 1201 }));

        static List<string> Validate(WalletRules rules)
        {
            var errors = new List<ValidationResult>();
            Validator.TryValidateObject(rules, new ValidationContext(rules), errors, validateAllProperties: true);
            return [.. errors.SelectMany(e => e.MemberNames)];
        }
    }
}
