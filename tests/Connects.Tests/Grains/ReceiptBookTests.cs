using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Faults;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Connects.Tests.Grains;

/// <summary>
/// Receipt books per year of cycles, on the real grains and storage: each year's row holds that year's receipts only,
/// so the row an archive rewrites does not grow with the wallet's age; retries years later are still answered from
/// them without charging; a new payment reference reads only the books of the idempotency window; a wallet whose
/// receipts are in the one book of old still finds them, and moves them to books per year once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReceiptBookTests(ClusterFixture fx) : IDisposable
{
    private readonly SharedCluster _cluster = new(fx);

    public void Dispose() => fx.Faults.Clear();

    private async Task AdvanceTo(DateTimeOffset target)
    {
        var now = fx.Time.GetUtcNow();
        if (target > now) fx.Time.Advance(target - now);
        await Task.Yield();
    }

    private static DateTimeOffset CycleStart(DateTimeOffset anchor, int cycle) => BillingCycle.Of(anchor, cycle).Start;

    [Fact]
    public async Task Over_five_years_each_years_book_holds_only_that_years_receipts_and_old_retries_answer_the_original_receipt()
    {
        const string id = "rb-aged";
        var wallet = fx.Grains.Wallet(id);
        var anchor = (await wallet.Open(Plan.Plus)).Wallet.BillingAnchor;
        var purchases = new Dictionary<int, PurchaseReceipt>();
        const int cycles = 61; // five years of cycles and one month
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            await AdvanceTo(CycleStart(anchor, cycle).AddHours(2));
            purchases[cycle] = (await wallet.Purchase($"pay-{cycle}", 10)).Receipt;
            Assert.True((await wallet.Grant($"grant-{cycle}", 5, "loyalty", null)).Created);
        }
        await AdvanceTo(CycleStart(anchor, cycles).AddHours(2));
        await wallet.GetWallet();

        // Every year's row holds its year's receipts and no other; the one book of old is never written.
        var stored = await Stored.Wallet(_cluster, id);
        Assert.Equal([0, 1, 2, 3, 4], stored!.ReceiptBookYears!.Take(5)); // and year 5's, once its first cycle is archived
        Assert.InRange(stored.ReceiptBookYears!.Count, 5, 6);
        Assert.True(stored.ReceiptBooksByYear);
        Assert.Null(await Stored.ReceiptBook(_cluster, id));
        var sizes = new List<int>();
        for (var year = 0; year < 4; year++)
        {
            var book = await Stored.ReceiptBook(_cluster, id, year);
            Assert.NotNull(book);
            Assert.All(book.Receipts.Values, r => Assert.Equal(year, ReceiptBooks.YearOf(r.Cycle)));
            Assert.Equal(Enumerable.Range(year * 12, 12).SelectMany(c => new[] { $"purchase:pay-{c}", $"grant:grant-{c}" }).Order(),
                book.Receipts.Keys.Order());
            sizes.Add((await Stored.Bytes(_cluster, "receipts", Stored.ReceiptBookKey(id, year)))!.Value);
        }
        // The row the fourth year's archives rewrote is the size of the first year's: it does not grow with the years before.
        Assert.True(sizes[3] <= sizes[0] * 1.15, $"book rows of years 0-3: {string.Join(", ", sizes)} bytes");

        // Retries of payment references and grant ids of earlier years, within the idempotency window (24 cycles):
        // the original receipt, nothing charged or credited again.
        var before = (await wallet.GetWallet())!.Balance;
        var entries = (await wallet.AllEntries()).Count;
        foreach (var cycle in new[] { 38, 47, 50 }) // years 3 and 4, archived
        {
            var again = await wallet.Purchase($"pay-{cycle}", 10);
            Assert.False(again.Created);
            Assert.Equal(purchases[cycle], again.Receipt);
            Assert.False((await wallet.Grant($"grant-{cycle}", 5, "loyalty", null)).Created);
        }
        await fx.Cluster.DeactivateAsync(wallet); // and from a fresh activation, whose books are read from storage
        Assert.False((await wallet.Purchase("pay-40", 10)).Created);
        Assert.Equal(before, (await wallet.GetWallet())!.Balance);
        Assert.Equal(entries, (await wallet.AllEntries()).Count);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task A_new_payment_reference_reads_only_the_books_of_the_idempotency_window()
    {
        const string id = "rb-window";
        var wallet = fx.Grains.Wallet(id);
        var anchor = (await wallet.Open(Plan.Plus)).Wallet.BillingAnchor;
        for (var cycle = 0; cycle < 49; cycle++)
        {
            await AdvanceTo(CycleStart(anchor, cycle).AddHours(2));
            await wallet.Purchase($"pay-{cycle}", 10);
        }
        await AdvanceTo(CycleStart(anchor, 49).AddHours(2));
        await wallet.GetWallet();
        Assert.Equal([0, 1, 2, 3], (await Stored.Wallet(_cluster, id))!.ReceiptBookYears!.Take(4));
        await fx.Cluster.DeactivateAsync(wallet);

        // Cycle 49, window 24: cycles 25 on, the books of years 2 and 3. A call to the books of years 0 and 1 would fail.
        fx.Faults.FailBefore(nameof(IReceiptBookGrain.Find), Stored.ReceiptBookKey(id, 0), times: 100);
        fx.Faults.FailBefore(nameof(IReceiptBookGrain.Find), Stored.ReceiptBookKey(id, 1), times: 100);
        Assert.True((await wallet.Purchase("pay-new", 10)).Created);
        Assert.True((await wallet.Grant("grant-new", 5, "loyalty", null)).Created);

        // ... while the books of the window are read: failing one fails the purchase, and nothing is bought.
        var balance = (await wallet.GetWallet())!.Balance;
        fx.Faults.FailBefore(nameof(IReceiptBookGrain.Find), Stored.ReceiptBookKey(id, 2));
        await Assert.ThrowsAsync<TimeoutException>(() => wallet.Purchase("pay-new-2", 10));
        Assert.Equal(balance, (await wallet.GetWallet())!.Balance);
        Assert.True((await wallet.Purchase("pay-new-2", 10)).Created);
    }

    [Fact]
    public async Task A_refund_retried_long_after_its_receipt_was_archived_is_answered_from_the_book_of_its_year()
    {
        const string id = "rb-refund";
        var job = fx.Grains.Job("rb-refund-job");
        await job.Post(new JobPosting("client-1", new JobTerms(100, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "cat-rb"));
        var wallet = fx.Grains.Wallet(id);
        var anchor = (await wallet.Open(Plan.Plus)).Wallet.BillingAnchor;
        var submitted = await wallet.SubmitProposal("rb-refund-job", 16);
        Assert.Equal(SubmissionOutcome.Submitted, submitted.Outcome);
        var cancelled = await fx.Grains.Cancellation("rb-refund-job").Cancel(CancelReason.ClientCancelled);
        var proposal = (await job.ProposalOf(id))!;
        Assert.NotNull(proposal.RefundedAt);
        var owed = new RefundOwed("rb-refund-job", id, proposal.Charged, cancelled.ClosedAt!.Value, proposal.HoldId, false, proposal.SubmittedAt);

        // Three years on, well past the idempotency window; the refund's receipt is in the book of year 0.
        for (var cycle = 1; cycle <= 36; cycle++)
        {
            await AdvanceTo(CycleStart(anchor, cycle).AddHours(2));
            await wallet.GetWallet();
        }
        Assert.Contains(ReceiptKeys.Refund("rb-refund-job"), (await Stored.ReceiptBook(_cluster, id, 0))!.Receipts.Keys);
        await fx.Cluster.DeactivateAsync(wallet);
        var balance = (await wallet.GetWallet())!.Balance;

        Assert.Equal(RefundOutcome.AlreadyRefunded, (await wallet.Refund(owed)).Outcome);
        Assert.Equal(balance, (await wallet.GetWallet())!.Balance);
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Refund);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task A_wallet_whose_receipts_are_in_the_old_single_book_still_finds_them_and_moves_them_to_books_per_year_once()
    {
        const string id = "rb-legacy";
        // A wallet as stored before books per year: 15 months old, its closed cycles' receipts in the one book of old.
        var now = fx.Time.GetUtcNow();
        var anchor = now.AddMonths(-15).AddDays(-2);
        var rules = new WalletRules();
        var domain = new Wallet(new WalletState(), rules);
        domain.Open(id, Plan.Plus, anchor);
        var bought = domain.Purchase("legacy-pay", 40, anchor.AddDays(1));
        domain.Advance(CycleStart(anchor, 5).AddDays(1));
        domain.Grant("legacy-grant", 25, "loyalty", null, CycleStart(anchor, 5).AddDays(1));
        domain.Advance(CycleStart(anchor, 14).AddDays(1));
        domain.Grant("rolling-grant", 15, "loyalty", null, CycleStart(anchor, 14).AddDays(1));
        domain.Advance(now);
        var old = domain.State.Receipts.Values.Where(r => r.Cycle < domain.State.Cycle).ToList();
        Assert.Equal(3, old.Count);
        foreach (var receipt in old) domain.State.Receipts.Remove(receipt.Key);
        domain.State.ReceiptBooksByYear = false; // what a wallet of before reads: the field did not exist
        // A rolling upgrade: a silo of now archived the last grant to the book of year 1, then a silo of before wrote the
        // wallet, dropping the fields it does not know (the flag and the years with books). The old book has year 0 only.
        var rolling = old.Single(r => r.Key == "grant:rolling-grant");
        old.Remove(rolling);
        await fx.Grains.ReceiptBook(id, 1).Add([rolling]);

        var storage = fx.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
        var wallet = fx.Grains.Wallet(id);
        await storage.WriteStateAsync("receipts", fx.Grains.LegacyReceiptBook(id).GetGrainId(),
            new GrainState<ReceiptBookState> { State = new ReceiptBookState { Receipts = old.ToDictionary(r => r.Key) } });
        await storage.WriteStateAsync("wallet", wallet.GetGrainId(), new GrainState<WalletState> { State = domain.State });

        var balance = (await wallet.GetWallet())!.Balance;
        var again = await wallet.Purchase("legacy-pay", 40);
        Assert.False(again.Created);
        Assert.Equal(bought, again.Receipt);
        Assert.False((await wallet.Grant("legacy-grant", 25, "loyalty", null)).Created);
        Assert.False((await wallet.Grant("rolling-grant", 15, "loyalty", null)).Created);
        Assert.Equal(balance, (await wallet.GetWallet())!.Balance);

        // Moved once: the book of year 0 holds them, the wallet knows every year that may have a book, the old row is cleared.
        var stored = (await Stored.Wallet(_cluster, id))!;
        Assert.True(stored.ReceiptBooksByYear);
        Assert.Equal([0, 1], stored.ReceiptBookYears);
        Assert.Equal(["grant:legacy-grant", "purchase:legacy-pay"], (await Stored.ReceiptBook(_cluster, id, 0))!.Receipts.Keys.Order());
        Assert.Equal(["grant:rolling-grant"], (await Stored.ReceiptBook(_cluster, id, 1))!.Receipts.Keys);
        Assert.Null(await Stored.ReceiptBook(_cluster, id));

        // A fresh activation never reads the old book again.
        await fx.Cluster.DeactivateAsync(wallet);
        fx.Faults.FailBefore(nameof(IReceiptBookGrain.All), Stored.ReceiptBookKey(id), times: 100);
        fx.Faults.FailBefore(nameof(IReceiptBookGrain.Find), Stored.ReceiptBookKey(id), times: 100);
        Assert.False((await wallet.Purchase("legacy-pay", 40)).Created);
        Assert.True((await wallet.Purchase("legacy-pay-2", 40)).Created);
        Assert.Equal(balance + 40, (await wallet.GetWallet())!.Balance);
        await wallet.AssertConserved();
    }
}
