namespace Connects.Domain;

/// <summary>
/// The wallet's rules over its state: purchases, grants, holds for proposals, refunds and expiry. Every change of the
/// balance is a ledger entry. The billing cycle, the monthly refresh, rollover, forfeit and plan changes are in
/// Wallet.Refresh.cs. Callers bring the wallet up to <c>now</c> with <see cref="Advance"/> before anything else.
/// </summary>
public sealed partial class Wallet(WalletState state, WalletRules rules)
{
    public WalletState State => state;
    public int Balance => state.Balance;
    public int Held => state.Holds.Sum(h => h.Amount) + BidHolds.Sum(h => h.Amount);
    public IReadOnlyList<Hold> BidHolds => state.BidHolds ?? [];
    public int Available => state.Buckets.Sum(b => b.Amount);
    public BillingCycle CurrentCycle => BillingCycle.Of(state.Anchor, state.Cycle);

    public void Open(string freelancerId, Plan plan, DateTimeOffset now)
    {
        if (state.IsOpen) throw new InvalidOperationException("The wallet is already open.");
        state.FreelancerId = freelancerId;
        state.IsOpen = true;
        state.Plan = plan;
        state.Anchor = now;
        state.Cycle = 0;
        state.ReceiptBooksByYear = true;
        var allotment = rules.MonthlyConnects(plan);
        AddToBuckets(new Slice(BucketSource.Monthly, allotment, CurrentCycle.End));
        Record(now, LedgerKind.Opened, allotment, "opened", note: plan.ToString().ToLowerInvariant());
        state.LowBalanceNoticed = Available < rules.LowBalanceThreshold; // opening below the threshold crosses nothing
    }

    public bool TryFindReceipt(string key, out Receipt receipt) => state.Receipts.TryGetValue(key, out receipt!);

    /// <summary>
    /// Newest first, the receipt books (years) that may hold an archived receipt applied at or after
    /// <paramref name="appliedFrom"/> (a refund: its job's cancellation; a paid proposal: its submission). Without that
    /// instant (a payment reference, a grant id), the books of the last <see cref="WalletRules.IdempotencyWindowMonths"/>
    /// cycles: a bounded number, whatever the wallet's age. Only books that exist are named.
    /// </summary>
    public IReadOnlyList<int> ReceiptBooksToRead(DateTimeOffset? appliedFrom) =>
        ReceiptBooks.YearsToRead(state.ReceiptBookYears,
            appliedFrom is { } at ? ReceiptBooks.CycleFrom(state.Anchor, at) : ReceiptBooks.WindowStart(state.Cycle, rules.IdempotencyWindowMonths),
            state.Cycle);

    /// <summary>The wallet was stored before receipt books were kept per year: its old single book (possibly empty) must
    /// be moved to books per year before any lookup (<see cref="ReceiptBookMoved"/>).</summary>
    public bool KeepsLegacyReceiptBook => state.IsOpen && !state.ReceiptBooksByYear;

    /// <summary>
    /// The old single book's receipts are now in the books of their years. Every year up to the last closed cycle is
    /// recorded as one that may have a book, not only those moved: a silo of before that wrote this wallet after a silo of
    /// now had archived to books per year (a rolling upgrade) dropped the fields it does not know, years included. A year
    /// recorded without a book costs a lookup within its range one read of an empty row, nothing more.
    /// </summary>
    public void ReceiptBookMoved(IEnumerable<Receipt> moved)
    {
        foreach (var receipt in moved) RecordBookYear(ReceiptBooks.YearOf(receipt.Cycle));
        for (var year = 0; state.Cycle > 0 && year <= ReceiptBooks.YearOf(state.Cycle - 1); year++) RecordBookYear(year);
        state.ReceiptBooksByYear = true;
    }

    public PurchaseReceipt Purchase(string paymentReference, int bundle, DateTimeOffset now)
    {
        if (!rules.Bundles.Contains(bundle))
            throw new ConnectsRuleException(Refusals.InvalidBundle,
                $"Bundles come in {string.Join(", ", rules.Bundles)} Connects; {bundle} is not one of them.", "bundle");
        var expiresAt = PurchaseExpiry(now);
        AddToBuckets(new Slice(BucketSource.Purchase, bundle, expiresAt));
        Record(now, LedgerKind.Purchase, bundle, ReceiptKeys.Purchase(paymentReference));
        var receipt = new PurchaseReceipt(paymentReference, bundle, bundle * rules.PricePerConnectUsd, expiresAt, state.Balance, now);
        Remember(ReceiptKeys.Purchase(paymentReference), receipt);
        return receipt;
    }

    /// <summary>When Connects bought at <paramref name="now"/> expire.</summary>
    public DateTimeOffset PurchaseExpiry(DateTimeOffset now) => now.AddMonths(rules.PurchaseExpiryMonths);

    public void Grant(string grantId, int amount, string reason, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        if (amount < 1 || amount > rules.MaxGrantAmount)
            throw new ConnectsRuleException(Refusals.InvalidAmount, $"A grant is between 1 and {rules.MaxGrantAmount} Connects.", "amount");
        if (expiresAt is { } e && e <= now)
            throw new ConnectsRuleException(Refusals.InvalidExpiry, "A grant must expire in the future.", "expiresAt");
        AddToBuckets(new Slice(BucketSource.Grant, amount, expiresAt));
        Record(now, LedgerKind.Grant, amount, ReceiptKeys.Grant(grantId), note: reason);
        Remember(ReceiptKeys.Grant(grantId), null);
    }

    public Hold? FindHold(string jobId) => state.Holds.FirstOrDefault(h => h.JobId == jobId);

    /// <summary>The holds to settle with their jobs now: those expired, or (<paramref name="everyHold"/>, on activation) every
    /// stored hold, since each belongs to an earlier activation whose submission is over. So a wallet that died after both
    /// writes, before its capture was stored, shows the capture from its next read on, as it answered.</summary>
    public IReadOnlyList<Hold> HoldsToSettle(DateTimeOffset now, bool everyHold) =>
        state.Holds.Where(h => everyHold || h.ExpiresAt <= now).ToList();

    /// <summary>Reserves <paramref name="amount"/> Connects for a proposal to <paramref name="jobId"/>,
    /// soonest-expiring first. Returns null when the available Connects do not cover it.</summary>
    /// <param name="tag">Makes the hold id unique beyond this state: a hold whose write failed leaves the stored hold
    /// number where it was, and the next activation must not hand a job the same hold id for a different hold.</param>
    public Hold? Reserve(string jobId, int amount, DateTimeOffset now, string? tag = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount); // 0: an invited freelancer's proposal
        if (FindHold(jobId) is not null) throw new InvalidOperationException($"A hold for job {jobId} is already pending.");
        if (Available < amount) return null;
        var hold = new Hold
        {
            HoldId = tag is null ? $"{jobId}#{state.NextHoldNumber++}" : $"{jobId}#{state.NextHoldNumber++}.{tag}",
            JobId = jobId,
            Slices = TakeFromBuckets(amount),
            CreatedAt = now,
            ExpiresAt = now + rules.HoldDuration,
        };
        state.Holds.Add(hold);
        return hold;
    }

    public Hold? FindBidHold(string jobId) => state.BidHolds?.FirstOrDefault(h => h.JobId == jobId);

    /// <summary>Reserves <paramref name="amount"/> Connects for a boost bid on <paramref name="jobId"/> (apart from the
    /// proposal's hold), soonest-expiring first. Returns null when the available Connects do not cover it.</summary>
    public Hold? ReserveBid(string jobId, int amount, DateTimeOffset now, string? tag = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        if (FindBidHold(jobId) is not null) throw new InvalidOperationException($"A bid hold for job {jobId} is already pending.");
        if (Available < amount) return null;
        var number = state.NextHoldNumber++;
        var hold = new Hold
        {
            HoldId = tag is null ? $"{jobId}#b{number}" : $"{jobId}#b{number}.{tag}",
            JobId = jobId,
            Slices = TakeFromBuckets(amount),
            CreatedAt = now,
            ExpiresAt = now + rules.HoldDuration,
        };
        (state.BidHolds ??= []).Add(hold);
        return hold;
    }

    /// <summary>The bid holds to settle with their jobs now: expired ones, or every one (on activation).</summary>
    public IReadOnlyList<Hold> BidHoldsToSettle(DateTimeOffset now, bool everyHold) =>
        BidHolds.Where(h => everyHold || h.ExpiresAt <= now).ToList();

    /// <summary>The job placed the bid held by <paramref name="holdId"/>, charging <paramref name="charged"/> (at most the
    /// hold): a <see cref="LedgerKind.BoostBid"/> entry, referenced by the job id; the rest goes back.</summary>
    public void CaptureBid(string holdId, int charged, DateTimeOffset now)
    {
        var hold = TakeBidHold(holdId);
        var (_, rest) = Slices.Take(hold.Slices, charged);
        if (charged > 0) Record(now, LedgerKind.BoostBid, -charged, hold.JobId);
        Return(rest, now);
    }

    public void ReleaseBid(string holdId, DateTimeOffset now) => Return(TakeBidHold(holdId).Slices, now);

    /// <summary>Gives a boost bid back (outbid: <see cref="LedgerKind.BoostReturned"/>; cancelled or removed:
    /// <see cref="LedgerKind.BoostRefunded"/>) with its original expiries, and keeps the receipt that makes it once.</summary>
    public void GiveBackBid(string jobId, BoostGiveBack owed, DateTimeOffset now)
    {
        if (owed.Amount > 0)
            Record(now, owed.Kind == GiveBackKind.Returned ? LedgerKind.BoostReturned : LedgerKind.BoostRefunded, owed.Amount, jobId);
        Remember(ReceiptKeys.BoostBack(jobId, owed.Generation), null);
        Return(owed.Slices, now);
    }

    private Hold TakeBidHold(string holdId)
    {
        var hold = BidHolds.Single(h => h.HoldId == holdId);
        state.BidHolds!.Remove(hold);
        if (state.BidHolds.Count == 0) state.BidHolds = null;
        return hold;
    }

    private List<Slice> TakeFromBuckets(int amount)
    {
        var slices = new List<Slice>();
        var left = amount;
        foreach (var bucket in SpendOrder().ToList())
        {
            if (left == 0) break;
            var take = Math.Min(left, bucket.Amount);
            slices.Add(new Slice(bucket.Source, take, bucket.ExpiresAt));
            bucket.Amount -= take;
            left -= take;
        }
        state.Buckets.RemoveAll(b => b.Amount == 0);
        return slices;
    }

    /// <summary>Spends <paramref name="charged"/> of a hold (a price at or below what was held) and
    /// returns the rest to the wallet. Returns the slices spent, which a refund would restore. Keeps a receipt of the
    /// payment (<see cref="ReceiptKeys.Paid"/>: hold id and amount), the wallet's evidence that it paid this proposal.</summary>
    public IReadOnlyList<Slice> Capture(string holdId, int charged, DateTimeOffset now)
    {
        var hold = state.Holds.Single(h => h.HoldId == holdId);
        var (taken, rest) = Slices.Take(hold.Slices, charged);
        state.Holds.Remove(hold);
        Record(now, LedgerKind.Spend, -charged, ReceiptKeys.Paid(hold.JobId));
        Remember(ReceiptKeys.Paid(hold.JobId), null, hold.HoldId, charged);
        Return(rest, now);
        return taken;
    }

    /// <summary>Whether this wallet holds or paid <paramref name="holdId"/> for <paramref name="jobId"/>, judged by its
    /// own state and a receipt found elsewhere (the receipt book of archived cycles), if any.</summary>
    public bool HoldsOrPaid(string jobId, string holdId, Receipt? archived = null) =>
        FindHold(jobId)?.HoldId == holdId
        || (TryFindReceipt(ReceiptKeys.Paid(jobId), out var paid) ? paid : archived)?.HoldId == holdId;

    public void Release(string holdId, DateTimeOffset now)
    {
        var hold = state.Holds.Single(h => h.HoldId == holdId);
        state.Holds.Remove(hold);
        Return(hold.Slices, now);
    }

    /// <summary>Returns Connects spent on a proposal with their original expiry; any whose expiry
    /// has passed expire at once.</summary>
    public int Refund(string jobId, IReadOnlyList<Slice> slices, DateTimeOffset now)
    {
        var amount = slices.Sum(s => s.Amount);
        if (amount > 0) Record(now, LedgerKind.Refund, amount, "proposal:" + jobId);
        Remember(ReceiptKeys.Refund(jobId), null);
        Return(slices, now);
        return amount;
    }

    public WalletView View(DateTimeOffset now)
    {
        var cycle = CurrentCycle;
        var horizon = now.AddDays(30);
        var expiring = state.Buckets
            .Where(b => b.Source is BucketSource.Purchase or BucketSource.Grant && b.ExpiresAt <= horizon)
            .Sum(b => b.Amount);
        if (cycle.End <= horizon) expiring += LeavingAtCycleEnd();
        var buckets = SpendOrder().Select(b => new Slice(b.Source, b.Amount, b.ExpiresAt)).ToList();
        return new WalletView(state.FreelancerId, state.Plan, state.NextPlan, state.Balance, Held, Available, buckets,
            rules.MonthlyConnects(state.Plan), cycle.End, expiring, state.Anchor, state.Cycle);
    }

    /// <summary>
    /// Entries of closed cycles due to move to statements: none until the closed cycles hold
    /// <see cref="WalletRules.ArchiveAfterEntries"/> entries, then all of them at once. A monthly refresh of an idle
    /// wallet is then one write, and archiving costs one write per statement (a year of cycles), not one per month.
    /// </summary>
    public IReadOnlyList<LedgerEntry> EntriesToArchive()
    {
        var closed = state.Entries.Where(e => e.Cycle < state.Cycle).ToList();
        return closed.Count >= rules.ArchiveAfterEntries ? closed : [];
    }

    /// <summary>Receipts of closed cycles due to move to the receipt books (one per year of cycles,
    /// <see cref="ReceiptBooks.YearOf"/>): with the entries, or once as many pile up.</summary>
    public IReadOnlyList<Receipt> ReceiptsToArchive()
    {
        // Over the pairs, not .Values: the dictionary would keep its values view, bytes in every idle wallet.
        var closed = state.Receipts.Where(r => r.Value.Cycle < state.Cycle).Select(r => r.Value).ToList();
        return closed.Count >= rules.ArchiveAfterEntries || EntriesToArchive().Count > 0 ? closed : [];
    }

    /// <summary>Drops what <see cref="EntriesToArchive"/> and <see cref="ReceiptsToArchive"/> gave, once it is stored elsewhere,
    /// and records the years of the receipt books that now hold those receipts.</summary>
    public void ForgetArchived()
    {
        var entries = EntriesToArchive().Select(e => e.Sequence).ToHashSet();
        var receipts = ReceiptsToArchive();
        state.Entries.RemoveAll(e => entries.Contains(e.Sequence));
        foreach (var receipt in receipts)
        {
            state.Receipts.Remove(receipt.Key);
            RecordBookYear(ReceiptBooks.YearOf(receipt.Cycle));
        }
    }

    private void RecordBookYear(int year)
    {
        var years = state.ReceiptBookYears ??= [];
        var at = years.BinarySearch(year);
        if (at < 0) years.Insert(~at, year);
    }

    private IEnumerable<Bucket> SpendOrder() =>
        state.Buckets.OrderBy(b => b.ExpiresAt, Comparer<DateTimeOffset?>.Create(Slices.CompareExpiry)).ThenBy(b => b.Source);

    /// <summary>Puts Connects back with their original expiry. Any whose expiry passed while they were
    /// away expire now, dated now: the ledger stays in time order and never dips below zero.</summary>
    private void Return(IEnumerable<Slice> slices, DateTimeOffset now)
    {
        foreach (var slice in slices) AddToBuckets(slice);
        ExpireBuckets(b => b.ExpiresAt <= now, now);
        Advance(now);
    }

    private void ExpireBuckets(Func<Bucket, bool> which, DateTimeOffset at)
    {
        foreach (var bucket in state.Buckets.Where(which).ToList())
        {
            state.Buckets.Remove(bucket);
            Record(at, LedgerKind.Expiry, -bucket.Amount, "expired:" + bucket.Source.ToString().ToLowerInvariant());
        }
    }

    private int TakeBuckets(Predicate<Bucket> which)
    {
        var amount = state.Buckets.Where(b => which(b)).Sum(b => b.Amount);
        state.Buckets.RemoveAll(which);
        return amount;
    }

    private void AddToBuckets(Slice slice)
    {
        if (slice.Amount <= 0) return;
        var bucket = state.Buckets.FirstOrDefault(b => b.Source == slice.Source && b.ExpiresAt == slice.ExpiresAt);
        if (bucket is null) state.Buckets.Add(new Bucket { Source = slice.Source, Amount = slice.Amount, ExpiresAt = slice.ExpiresAt });
        else bucket.Amount += slice.Amount;
    }

    private void Remember(string key, PurchaseReceipt? purchase, string? holdId = null, int connects = 0) =>
        state.Receipts[key] = new Receipt(key, state.Cycle, state.Balance, purchase, holdId, connects);

    private void Record(DateTimeOffset at, LedgerKind kind, int amount, string reference, int? cycle = null, int quantity = 0, string? note = null)
    {
        var balance = state.Balance + amount;
        if (balance < 0) throw new InvalidOperationException($"A {kind} of {amount} would make the balance negative.");
        state.Balance = balance;
        state.Totals.Add(kind, amount, quantity);
        state.Entries.Add(new LedgerEntry(state.NextSequence++, at, kind, amount, balance, reference, cycle ?? state.Cycle,
            quantity == 0 ? Math.Abs(amount) : quantity, note));
    }
}
