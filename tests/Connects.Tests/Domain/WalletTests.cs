using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class WalletTests
{
    private static readonly DateTimeOffset T0 = Utc(2027, 1, 15, 10);

    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    private static Wallet Open(Plan plan, DateTimeOffset? at = null, WalletRules? rules = null)
    {
        var wallet = new Wallet(new WalletState(), rules ?? new WalletRules());
        wallet.Open("freelancer-1", plan, at ?? T0);
        return wallet;
    }

    private static DateTimeOffset CycleStart(Wallet wallet, int index) => BillingCycle.Of(wallet.State.Anchor, index).Start;

    private static IReadOnlyList<Slice> Spend(Wallet wallet, string jobId, int amount, DateTimeOffset now)
    {
        var hold = wallet.Reserve(jobId, amount, now);
        Assert.NotNull(hold);
        return wallet.Capture(hold.HoldId, amount, now);
    }

    private static List<Slice> Buckets(Wallet wallet, DateTimeOffset now) => wallet.View(now).Buckets.ToList();

    private static LedgerEntry[] EntriesSince(Wallet wallet, int count) => wallet.State.Entries.Skip(count).ToArray();

    // ---------------------------------------------------------------- opening

    [Theory]
    [InlineData(Plan.Basic, 10)]
    [InlineData(Plan.Plus, 70)]
    public void Opening_grants_the_plan_allotment_with_an_opened_entry(Plan plan, int allotment)
    {
        var wallet = Open(plan);

        Assert.True(wallet.State.IsOpen);
        Assert.Equal(plan, wallet.State.Plan);
        Assert.Null(wallet.State.NextPlan);
        Assert.Equal(T0, wallet.State.Anchor);
        Assert.Equal(0, wallet.State.Cycle);
        Assert.Equal(allotment, wallet.Balance);
        Assert.Equal(allotment, wallet.Available);
        Assert.Equal(0, wallet.Held);
        var entry = Assert.Single(wallet.State.Entries);
        Assert.Equal(LedgerKind.Opened, entry.Kind);
        Assert.Equal(allotment, entry.Amount);
        Assert.Equal(allotment, entry.BalanceAfter);
        Assert.Equal(T0, entry.At);
        Assert.Equal(0, entry.Cycle);
        Assert.Equal(allotment, wallet.State.Totals.Opened);
        var bucket = Assert.Single(wallet.State.Buckets);
        Assert.Equal(BucketSource.Monthly, bucket.Source);
        Assert.Equal(allotment, bucket.Amount);
        Assert.Equal(Utc(2027, 2, 15), bucket.ExpiresAt);
    }

    [Fact]
    public void Opening_an_open_wallet_is_refused()
    {
        var wallet = Open(Plan.Basic);
        Assert.Throws<InvalidOperationException>(() => wallet.Open("freelancer-1", Plan.Plus, T0.AddDays(1)));
        Assert.Equal(Plan.Basic, wallet.State.Plan);
        Assert.Equal(10, wallet.Balance);
        Assert.Single(wallet.State.Entries);
    }

    // ---------------------------------------------------------------- cycle ends

    [Fact]
    public void Basic_forfeits_unused_monthly_connects_at_cycle_end_and_gets_a_monthly_refresh()
    {
        var wallet = Open(Plan.Basic);
        Spend(wallet, "job-1", 3, T0.AddDays(2));
        var before = wallet.State.Entries.Count;

        Assert.True(wallet.Advance(Utc(2027, 2, 15)));

        var added = EntriesSince(wallet, before);
        Assert.Equal(2, added.Length);
        Assert.Equal(LedgerKind.Forfeit, added[0].Kind);
        Assert.Equal(-7, added[0].Amount);
        Assert.Equal(0, added[0].BalanceAfter);
        Assert.Equal(0, added[0].Cycle);
        Assert.Equal(Utc(2027, 2, 15), added[0].At);
        Assert.Equal(LedgerKind.MonthlyRefresh, added[1].Kind);
        Assert.Equal(10, added[1].Amount);
        Assert.Equal(10, added[1].BalanceAfter);
        Assert.Equal(1, added[1].Cycle);
        Assert.Equal(Utc(2027, 2, 15), added[1].At);
        Assert.Equal(10, wallet.Balance);
        Assert.Equal(1, wallet.State.Cycle);
        var bucket = Assert.Single(wallet.State.Buckets);
        Assert.Equal(new Slice(BucketSource.Monthly, 10, Utc(2027, 3, 15)), new Slice(bucket.Source, bucket.Amount, bucket.ExpiresAt));
    }

    [Fact]
    public void Basic_keeps_purchased_connects_at_cycle_end()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        wallet.Advance(Utc(2027, 2, 15));
        Assert.Equal(30, wallet.Balance);
        Assert.Equal(-10, Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Forfeit).Amount);
    }

    [Fact]
    public void Plus_rolls_unused_monthly_connects_over()
    {
        var wallet = Open(Plan.Plus);
        Spend(wallet, "job-1", 20, T0.AddDays(2));
        var before = wallet.State.Entries.Count;

        Assert.True(wallet.Advance(Utc(2027, 2, 15)));

        var added = EntriesSince(wallet, before);
        Assert.Equal(2, added.Length);
        Assert.Equal(LedgerKind.Rollover, added[0].Kind);
        Assert.Equal(0, added[0].Amount);
        Assert.Equal(50, added[0].Quantity);
        Assert.Equal(50, added[0].BalanceAfter);
        Assert.Equal(0, added[0].Cycle);
        Assert.Equal(LedgerKind.MonthlyRefresh, added[1].Kind);
        Assert.Equal(70, added[1].Amount);
        Assert.Equal(120, wallet.Balance);
        Assert.Equal(50, wallet.State.Totals.RolledOver);
        Assert.DoesNotContain(wallet.State.Entries, e => e.Kind == LedgerKind.Forfeit);
        Assert.Equal(
            [new Slice(BucketSource.Monthly, 70, Utc(2027, 3, 15)), new Slice(BucketSource.Rollover, 50, null)],
            Buckets(wallet, Utc(2027, 2, 15)));
    }

    [Fact]
    public void Plus_rolls_over_up_to_the_cap_and_forfeits_the_excess()
    {
        var wallet = Open(Plan.Plus);
        Spend(wallet, "job-1", 40, T0.AddDays(1));          // 30 unused in cycle 0
        wallet.Advance(CycleStart(wallet, 1));                // rollover 30
        wallet.Advance(CycleStart(wallet, 2));                // rollover 30 + 70 = 100
        Assert.Equal(100, wallet.State.Buckets.Single(b => b.Source == BucketSource.Rollover).Amount);
        var before = wallet.State.Entries.Count;

        wallet.Advance(CycleStart(wallet, 3));                // room 40 of 70: 40 roll, 30 forfeited

        var added = EntriesSince(wallet, before);
        Assert.Equal([LedgerKind.Rollover, LedgerKind.Forfeit, LedgerKind.MonthlyRefresh], added.Select(e => e.Kind));
        Assert.Equal(40, added[0].Quantity);
        Assert.Equal(0, added[0].Amount);
        Assert.Equal(-30, added[1].Amount);
        Assert.Equal(2, added[1].Cycle);
        Assert.Equal(140, wallet.State.Buckets.Single(b => b.Source == BucketSource.Rollover).Amount);
        Assert.Equal(210, wallet.Balance);

        before = wallet.State.Entries.Count;
        wallet.Advance(CycleStart(wallet, 4));                // at the cap: all 70 forfeited
        added = EntriesSince(wallet, before);
        Assert.Equal([LedgerKind.Forfeit, LedgerKind.MonthlyRefresh], added.Select(e => e.Kind));
        Assert.Equal(-70, added[0].Amount);
        Assert.Equal(210, wallet.Balance);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(31)]
    public void Fourteen_months_without_spending(int anchorDay)
    {
        var anchor = Utc(2027, 1, anchorDay, 9);
        var basic = Open(Plan.Basic, anchor);
        var plus = Open(Plan.Plus, anchor);
        int[] plusExpected = [70, 140, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210];
        for (var month = 0; month < 14; month++)
        {
            var start = CycleStart(basic, month);
            basic.Advance(start);
            plus.Advance(start);
            Assert.Equal(month, basic.State.Cycle);
            Assert.Equal(month, plus.State.Cycle);
            Assert.Equal(10, basic.Balance);
            Assert.Equal(plusExpected[month], plus.Balance);
            // Nothing changes before the cycle ends.
            var lastTick = BillingCycle.Of(anchor, month).End.AddTicks(-1);
            basic.Advance(lastTick);
            plus.Advance(lastTick);
            Assert.Equal(10, basic.Balance);
            Assert.Equal(plusExpected[month], plus.Balance);
        }
        Assert.Equal(13, basic.State.Entries.Count(e => e.Kind == LedgerKind.MonthlyRefresh));
        Assert.Equal(13, basic.State.Entries.Count(e => e.Kind == LedgerKind.Forfeit));
        Assert.All(basic.State.Entries.Where(e => e.Kind == LedgerKind.Forfeit), e => Assert.Equal(-10, e.Amount));
        Assert.Equal(2, plus.State.Entries.Count(e => e.Kind == LedgerKind.Rollover));
        Assert.Equal(11, plus.State.Entries.Count(e => e.Kind == LedgerKind.Forfeit));
        Assert.Equal(140, plus.State.Totals.RolledOver);
    }

    [Fact]
    public void Fourteen_months_spending_four_connects_mid_month()
    {
        var basic = Open(Plan.Basic);
        var plus = Open(Plan.Plus);
        int[] plusAtStart = [70, 136, 202, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210, 210];
        int[] plusRollover = [0, 66, 132, 140, 140, 140, 140, 140, 140, 140, 140, 140, 140, 140];
        for (var month = 0; month < 14; month++)
        {
            var start = CycleStart(basic, month);
            basic.Advance(start);
            plus.Advance(start);
            Assert.Equal(10, basic.Balance);
            Assert.Equal(plusAtStart[month], plus.Balance);
            Assert.Equal(plusRollover[month], plus.State.Buckets.Where(b => b.Source == BucketSource.Rollover).Sum(b => b.Amount));

            var mid = start.AddDays(10);
            basic.Advance(mid);
            plus.Advance(mid);
            var spentBasic = Spend(basic, $"job-{month}", 4, mid);
            var spentPlus = Spend(plus, $"job-{month}", 4, mid);
            Assert.Equal(6, basic.Balance);
            Assert.Equal(plusAtStart[month] - 4, plus.Balance);
            // Monthly Connects expire at the cycle end, before rollover (never): they go first.
            Assert.Equal(BucketSource.Monthly, Assert.Single(spentBasic).Source);
            Assert.Equal(BucketSource.Monthly, Assert.Single(spentPlus).Source);
        }
        Assert.All(basic.State.Entries.Where(e => e.Kind == LedgerKind.Forfeit), e => Assert.Equal(-6, e.Amount));
    }

    // ---------------------------------------------------------------- purchases

    [Theory]
    [InlineData(10, "1.50")]
    [InlineData(20, "3.00")]
    [InlineData(40, "6.00")]
    [InlineData(60, "9.00")]
    [InlineData(80, "12.00")]
    public void A_bundle_costs_fifteen_cents_a_connect_and_expires_in_twelve_months(int bundle, string price)
    {
        var wallet = Open(Plan.Basic);
        var at = Utc(2027, 1, 20, 8, 30);
        var receipt = wallet.Purchase("pay-1", bundle, at);

        Assert.Equal("pay-1", receipt.PaymentReference);
        Assert.Equal(bundle, receipt.Connects);
        Assert.Equal(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture), receipt.PriceUsd);
        Assert.Equal(Utc(2028, 1, 20, 8, 30), receipt.ExpiresAt);
        Assert.Equal(10 + bundle, receipt.Balance);
        Assert.Equal(at, receipt.PurchasedAt);
        Assert.Equal(10 + bundle, wallet.Balance);
        var entry = wallet.State.Entries[^1];
        Assert.Equal(LedgerKind.Purchase, entry.Kind);
        Assert.Equal(bundle, entry.Amount);
        Assert.Equal(10 + bundle, entry.BalanceAfter);
        Assert.Equal(ReceiptKeys.Purchase("pay-1"), entry.Reference);
        Assert.True(wallet.TryFindReceipt(ReceiptKeys.Purchase("pay-1"), out var stored));
        Assert.Equal(receipt, stored.Purchase);
        Assert.Contains(new Slice(BucketSource.Purchase, bundle, Utc(2028, 1, 20, 8, 30)), Buckets(wallet, at));
    }

    [Fact]
    public void Forty_connects_cost_six_dollars()
    {
        Assert.Equal(6.00m, Open(Plan.Plus).Purchase("pay-40", 40, T0).PriceUsd);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-10)]
    [InlineData(15)]
    [InlineData(30)]
    [InlineData(50)]
    [InlineData(100)]
    public void Other_bundle_sizes_are_refused_and_change_nothing(int bundle)
    {
        var wallet = Open(Plan.Basic);
        var balance = wallet.Balance;
        var entries = wallet.State.Entries.ToList();
        var buckets = Buckets(wallet, T0);
        var sequence = wallet.State.NextSequence;

        var error = Assert.Throws<ConnectsRuleException>(() => wallet.Purchase("pay-bad", bundle, T0.AddDays(1)));

        Assert.Equal("invalid-bundle", error.Rule);
        Assert.Equal("bundle", error.Field);
        Assert.Equal(balance, wallet.Balance);
        Assert.Equal(entries, wallet.State.Entries);
        Assert.Equal(buckets, Buckets(wallet, T0));
        Assert.Equal(sequence, wallet.State.NextSequence);
        Assert.Empty(wallet.State.Receipts);
        Assert.False(wallet.TryFindReceipt(ReceiptKeys.Purchase("pay-bad"), out _));
        Assert.Equal(0, wallet.State.Totals.Purchased);
    }

    [Fact]
    public void Purchased_connects_expire_at_the_instant_twelve_months_after_purchase()
    {
        var wallet = Open(Plan.Basic);
        var boughtAt = Utc(2027, 1, 20, 8, 30);
        wallet.Purchase("pay-1", 40, boughtAt);
        var expiresAt = Utc(2028, 1, 20, 8, 30);

        wallet.Advance(expiresAt.AddTicks(-1));
        Assert.Equal(50, wallet.Balance);
        Assert.DoesNotContain(wallet.State.Entries, e => e.Kind == LedgerKind.Expiry);

        Assert.True(wallet.Advance(expiresAt.AddDays(3)));
        var expiry = Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Expiry);
        Assert.Equal(expiresAt, expiry.At);
        Assert.Equal(-40, expiry.Amount);
        Assert.Equal("expired:purchase", expiry.Reference);
        Assert.Equal(10, expiry.BalanceAfter);
        Assert.Equal(10, wallet.Balance);
        Assert.Equal(40, wallet.State.Totals.Expired);
        Assert.DoesNotContain(wallet.State.Buckets, b => b.Source == BucketSource.Purchase);
    }

    [Fact]
    public void Purchased_connects_partly_spent_expire_only_the_rest()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0);
        Spend(wallet, "job-1", 15, T0.AddDays(1)); // 10 monthly + 5 purchased
        wallet.Advance(T0.AddMonths(13));
        var expiry = Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Expiry);
        Assert.Equal(-15, expiry.Amount);
        Assert.Equal(T0.AddMonths(12), expiry.At);
        Assert.Equal(10, wallet.Balance);
    }

    // ---------------------------------------------------------------- grants

    [Fact]
    public void A_grant_adds_connects_that_expire_when_told()
    {
        var wallet = Open(Plan.Basic);
        var expires = T0.AddDays(5);
        wallet.Grant("g-1", 25, "apology", expires, T0.AddDays(1));
        Assert.Equal(35, wallet.Balance);
        var grant = wallet.State.Entries[^1];
        Assert.Equal(LedgerKind.Grant, grant.Kind);
        Assert.Equal(ReceiptKeys.Grant("g-1"), grant.Reference);
        Assert.True(wallet.TryFindReceipt(ReceiptKeys.Grant("g-1"), out _));

        wallet.Advance(expires);
        var expiry = Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Expiry);
        Assert.Equal(expires, expiry.At);
        Assert.Equal(-25, expiry.Amount);
        Assert.Equal(10, wallet.Balance);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void A_grant_out_of_range_is_refused(int amount)
    {
        var wallet = Open(Plan.Basic);
        var error = Assert.Throws<ConnectsRuleException>(() => wallet.Grant("g-1", amount, "x", null, T0));
        Assert.Equal(Refusals.InvalidAmount, error.Rule);
        Assert.Equal("amount", error.Field);
        Assert.Equal(10, wallet.Balance);
        Assert.Single(wallet.State.Entries);
    }

    [Fact]
    public void A_grant_expiring_now_or_earlier_is_refused()
    {
        var wallet = Open(Plan.Basic);
        var error = Assert.Throws<ConnectsRuleException>(() => wallet.Grant("g-1", 5, "x", T0.AddDays(1), T0.AddDays(1)));
        Assert.Equal(Refusals.InvalidExpiry, error.Rule);
        Assert.Equal("expiresAt", error.Field);
        Assert.Equal(10, wallet.Balance);
    }

    // ---------------------------------------------------------------- spending

    [Fact]
    public void Spending_takes_monthly_connects_expiring_at_cycle_end_before_purchased_ones()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var now = T0.AddDays(2);

        var hold = wallet.Reserve("job-1", 15, now);

        Assert.NotNull(hold);
        Assert.Equal(
            [new Slice(BucketSource.Monthly, 10, Utc(2027, 2, 15)), new Slice(BucketSource.Purchase, 5, T0.AddDays(1).AddMonths(12))],
            hold.Slices);
        Assert.Equal(15, hold.Amount);
        Assert.Equal("job-1", hold.JobId);
        Assert.Equal(now, hold.CreatedAt);
        Assert.Equal(now + new WalletRules().HoldDuration, hold.ExpiresAt);
        Assert.Equal(30, wallet.Balance);
        Assert.Equal(15, wallet.Held);
        Assert.Equal(15, wallet.Available);
        Assert.Same(hold, wallet.FindHold("job-1"));

        var charged = wallet.Capture(hold.HoldId, 15, now);
        Assert.Equal(hold.Slices, charged);
        Assert.Equal(15, wallet.Balance);
        Assert.Equal(0, wallet.Held);
        Assert.Equal([new Slice(BucketSource.Purchase, 15, T0.AddDays(1).AddMonths(12))], Buckets(wallet, now));
        var spend = wallet.State.Entries[^1];
        Assert.Equal(LedgerKind.Spend, spend.Kind);
        Assert.Equal(-15, spend.Amount);
        Assert.Equal(15, spend.BalanceAfter);
        Assert.Equal("proposal:job-1", spend.Reference);
        Assert.Null(wallet.FindHold("job-1"));
    }

    [Fact]
    public void Spending_takes_soonest_expiring_first_and_rollover_last()
    {
        var wallet = Open(Plan.Plus);
        wallet.Advance(CycleStart(wallet, 1));               // 70 rollover + 70 monthly (expires Mar 15)
        var now = Utc(2027, 2, 20);
        wallet.Purchase("pay-1", 10, now);                  // expires Feb 20 2028
        wallet.Grant("g-1", 5, "promo", Utc(2027, 3, 1), now); // expires Mar 1, before the monthly ones

        var hold = wallet.Reserve("job-1", 90, now);

        Assert.NotNull(hold);
        Assert.Equal(
        [
            new Slice(BucketSource.Grant, 5, Utc(2027, 3, 1)),
            new Slice(BucketSource.Monthly, 70, Utc(2027, 3, 15)),
            new Slice(BucketSource.Purchase, 10, Utc(2028, 2, 20)),
            new Slice(BucketSource.Rollover, 5, null),
        ], hold.Slices);
        Assert.Equal([new Slice(BucketSource.Rollover, 65, null)], Buckets(wallet, now));
    }

    [Fact]
    public void Reserve_returns_null_when_the_available_connects_do_not_cover_it_and_changes_nothing()
    {
        var wallet = Open(Plan.Basic);
        var first = wallet.Reserve("job-1", 8, T0);
        Assert.NotNull(first);
        var buckets = Buckets(wallet, T0);
        var entries = wallet.State.Entries.ToList();
        var holdNumber = wallet.State.NextHoldNumber;

        Assert.Null(wallet.Reserve("job-2", 3, T0));  // balance is 10 but 8 are held
        Assert.Null(wallet.Reserve("job-3", 11, T0));

        Assert.Equal(10, wallet.Balance);
        Assert.Equal(8, wallet.Held);
        Assert.Equal(2, wallet.Available);
        Assert.Equal(buckets, Buckets(wallet, T0));
        Assert.Equal(entries, wallet.State.Entries);
        Assert.Equal(holdNumber, wallet.State.NextHoldNumber);
        Assert.Single(wallet.State.Holds);
        Assert.Null(wallet.FindHold("job-2"));
        Assert.NotNull(wallet.Reserve("job-2", 2, T0));
    }

    [Fact]
    public void Reserve_for_a_job_with_a_pending_hold_is_refused()
    {
        var wallet = Open(Plan.Basic);
        Assert.NotNull(wallet.Reserve("job-1", 2, T0));
        Assert.Throws<InvalidOperationException>(() => wallet.Reserve("job-1", 2, T0));
        Assert.Equal(2, wallet.Held);
    }

    [Fact]
    public void Release_returns_the_slices_with_their_original_expiry()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var now = T0.AddDays(2);
        var before = Buckets(wallet, now);
        var entries = wallet.State.Entries.Count;
        var hold = wallet.Reserve("job-1", 25, now);
        Assert.NotNull(hold);

        wallet.Release(hold.HoldId, now.AddMinutes(1));

        Assert.Equal(before, Buckets(wallet, now));
        Assert.Equal(30, wallet.Balance);
        Assert.Equal(30, wallet.Available);
        Assert.Equal(0, wallet.Held);
        Assert.Equal(entries, wallet.State.Entries.Count);
        Assert.Empty(wallet.State.Holds);
    }

    [Fact]
    public void Capture_of_a_lower_price_spends_the_soonest_slices_and_returns_the_rest()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var now = T0.AddDays(2);
        var hold = wallet.Reserve("job-1", 16, now); // 10 monthly + 6 purchased
        Assert.NotNull(hold);

        var charged = wallet.Capture(hold.HoldId, 12, now);

        Assert.Equal(
            [new Slice(BucketSource.Monthly, 10, Utc(2027, 2, 15)), new Slice(BucketSource.Purchase, 2, T0.AddDays(1).AddMonths(12))],
            charged);
        Assert.Equal(18, wallet.Balance);
        Assert.Equal(18, wallet.Available);
        Assert.Equal(0, wallet.Held);
        Assert.Equal([new Slice(BucketSource.Purchase, 18, T0.AddDays(1).AddMonths(12))], Buckets(wallet, now));
        Assert.Equal(-12, wallet.State.Entries[^1].Amount);
        Assert.Equal(12, wallet.State.Totals.Spent);
    }

    [Fact]
    public void Capture_of_more_than_was_held_is_refused()
    {
        var wallet = Open(Plan.Basic);
        var hold = wallet.Reserve("job-1", 4, T0);
        Assert.NotNull(hold);
        Assert.Throws<InvalidOperationException>(() => wallet.Capture(hold.HoldId, 5, T0));
        Assert.Equal(10, wallet.Balance);
        Assert.Equal(4, wallet.Held);
    }

    // ---------------------------------------------------------------- evidence of a paid proposal

    [Fact]
    public void A_capture_keeps_a_receipt_of_the_hold_paid_and_its_amount()
    {
        var wallet = Open(Plan.Plus);
        var hold = wallet.Reserve("job-1", 8, T0.AddHours(1))!;
        Assert.True(wallet.HoldsOrPaid("job-1", hold.HoldId));
        Assert.False(wallet.TryFindReceipt(ReceiptKeys.Paid("job-1"), out _));

        wallet.Capture(hold.HoldId, 6, T0.AddHours(1));

        Assert.True(wallet.TryFindReceipt(ReceiptKeys.Paid("job-1"), out var paid));
        Assert.Equal((hold.HoldId, 6, 64), (paid.HoldId, paid.Connects, paid.Balance));
        Assert.Equal("proposal:job-1", ReceiptKeys.Paid("job-1"));
        Assert.True(wallet.HoldsOrPaid("job-1", hold.HoldId));
        Assert.False(wallet.HoldsOrPaid("job-1", hold.HoldId + "-other"));
        Assert.False(wallet.HoldsOrPaid("job-2", hold.HoldId));
    }

    [Fact]
    public void A_released_hold_leaves_no_evidence_of_payment()
    {
        var wallet = Open(Plan.Plus);
        var hold = wallet.Reserve("job-1", 8, T0.AddHours(1))!;
        wallet.Release(hold.HoldId, T0.AddHours(1));
        Assert.False(wallet.HoldsOrPaid("job-1", hold.HoldId));
        Assert.False(wallet.TryFindReceipt(ReceiptKeys.Paid("job-1"), out _));
    }

    [Fact]
    public void The_receipt_of_a_paid_proposal_is_archived_with_its_cycle_and_still_answers()
    {
        var wallet = Open(Plan.Plus, rules: new WalletRules { ArchiveAfterEntries = 0 });
        var hold = wallet.Reserve("job-1", 8, T0.AddHours(1))!;
        wallet.Capture(hold.HoldId, 8, T0.AddHours(1));
        wallet.Advance(CycleStart(wallet, 1).AddDays(1));
        var archived = Assert.Single(wallet.ReceiptsToArchive(), r => r.Key == ReceiptKeys.Paid("job-1"));

        wallet.ForgetArchived();

        Assert.False(wallet.HoldsOrPaid("job-1", hold.HoldId));
        Assert.True(wallet.HoldsOrPaid("job-1", hold.HoldId, archived));
        Assert.False(wallet.HoldsOrPaid("job-1", "job-1#9", archived));
    }

    [Fact]
    public void A_tag_makes_hold_ids_unique_when_the_stored_hold_number_is_reused()
    {
        // Two activations that start from the same stored state (the first one's hold write failed) number their
        // holds alike; the tag keeps a job from taking one for the other.
        var stored = new WalletState();
        new Wallet(stored, new WalletRules()).Open("freelancer-1", Plan.Plus, T0);
        var first = new Wallet(Clone(stored), new WalletRules()).Reserve("job-1", 5, T0, "a1")!;
        var second = new Wallet(Clone(stored), new WalletRules()).Reserve("job-1", 5, T0, "b2")!;

        Assert.Equal(("job-1#1.a1", "job-1#1.b2"), (first.HoldId, second.HoldId));
        Assert.Equal("job-1#1", new Wallet(Clone(stored), new WalletRules()).Reserve("job-1", 5, T0)!.HoldId);

        static WalletState Clone(WalletState s) => new()
        {
            FreelancerId = s.FreelancerId, IsOpen = s.IsOpen, Plan = s.Plan, Anchor = s.Anchor, Cycle = s.Cycle,
            Buckets = [.. s.Buckets.Select(b => b with { })], Entries = [.. s.Entries], Balance = s.Balance,
            NextSequence = s.NextSequence, NextHoldNumber = s.NextHoldNumber, Totals = s.Totals with { },
        };
    }

    // ---------------------------------------------------------------- refunds

    [Fact]
    public void A_refund_restores_the_connects_with_their_original_expiry()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var spent = Spend(wallet, "job-1", 15, T0.AddDays(2));
        Assert.Equal(15, wallet.Balance);

        var refundAt = T0.AddDays(5);
        Assert.Equal(15, wallet.Refund("job-1", spent, refundAt));

        Assert.Equal(30, wallet.Balance);
        var refund = wallet.State.Entries[^1];
        Assert.Equal(LedgerKind.Refund, refund.Kind);
        Assert.Equal(15, refund.Amount);
        Assert.Equal(30, refund.BalanceAfter);
        Assert.Equal(refundAt, refund.At);
        Assert.Equal("proposal:job-1", refund.Reference);
        Assert.True(wallet.TryFindReceipt(ReceiptKeys.Refund("job-1"), out _));
        Assert.Equal(
            [new Slice(BucketSource.Monthly, 10, Utc(2027, 2, 15)), new Slice(BucketSource.Purchase, 20, T0.AddDays(1).AddMonths(12))],
            Buckets(wallet, refundAt));

        // The refunded monthly Connects still leave at the cycle end (Basic forfeits them).
        wallet.Advance(CycleStart(wallet, 1));
        Assert.Equal(-10, Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Forfeit).Amount);
        Assert.Equal(30, wallet.Balance);
    }

    [Fact]
    public void A_refunded_slice_whose_expiry_has_passed_expires_at_once()
    {
        var wallet = Open(Plan.Basic);
        var spent = Spend(wallet, "job-1", 10, T0.AddDays(2)); // monthly, expiring Feb 15
        wallet.Advance(Utc(2027, 2, 20));
        Assert.Equal(10, wallet.Balance);

        var refunded = wallet.Refund("job-1", spent, Utc(2027, 2, 20));

        Assert.Equal(10, refunded);
        Assert.Equal(10, wallet.Balance);
        Assert.Equal(10, wallet.State.Totals.Refunded);
        Assert.Equal(10, wallet.State.Totals.Expired);
        var last = wallet.State.Entries.TakeLast(2).ToArray();
        Assert.Equal([LedgerKind.Refund, LedgerKind.Expiry], last.Select(e => e.Kind));
        Assert.Equal(10, last[0].Amount);
        Assert.Equal(-10, last[1].Amount);
        Assert.Equal(10, last[1].BalanceAfter);
        Assert.Equal([new Slice(BucketSource.Monthly, 10, Utc(2027, 3, 15))], Buckets(wallet, Utc(2027, 2, 20)));
    }

    [Fact]
    public void The_expiry_of_an_already_expired_refunded_slice_is_recorded_at_the_refund_instant()
    {
        // Every change of a balance is an entry with its time: the refund and the expiry it causes
        // both happen at the refund instant, so the ledger stays in time order and the balance
        // summed as of any instant is never negative.
        var wallet = Open(Plan.Basic);
        var spent = Spend(wallet, "job-1", 10, T0.AddDays(2));  // monthly Connects that expire Feb 15 10:00
        wallet.Advance(Utc(2027, 2, 16));
        Spend(wallet, "job-2", 10, Utc(2027, 2, 16));            // the new cycle's Connects, spent
        var refundAt = Utc(2027, 2, 20);

        wallet.Refund("job-1", spent, refundAt);

        var entries = wallet.State.Entries;
        foreach (var instant in entries.Select(e => e.At).Distinct())
            Assert.True(entries.Where(e => e.At <= instant).Sum(e => e.Amount) >= 0,
                $"balance as of {instant:O} is {entries.Where(e => e.At <= instant).Sum(e => e.Amount)}");
        for (var i = 1; i < entries.Count; i++)
            Assert.True(entries[i].At >= entries[i - 1].At, $"entry {entries[i].Sequence} ({entries[i].Kind} at {entries[i].At:O}) precedes entry {entries[i - 1].Sequence} ({entries[i - 1].Kind} at {entries[i - 1].At:O})");
        var expiry = Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Expiry);
        Assert.Equal(refundAt, expiry.At);
    }

    [Fact]
    public void A_refund_of_nothing_records_no_entry_but_is_remembered()
    {
        var wallet = Open(Plan.Basic);
        Assert.Equal(0, wallet.Refund("job-1", [], T0.AddDays(1)));
        Assert.Single(wallet.State.Entries);
        Assert.True(wallet.TryFindReceipt(ReceiptKeys.Refund("job-1"), out _));
    }

    // ---------------------------------------------------------------- plan changes

    [Fact]
    public void An_upgrade_takes_effect_at_once_and_grants_the_difference()
    {
        var wallet = Open(Plan.Basic);
        Spend(wallet, "job-1", 4, T0.AddDays(1));
        var at = T0.AddDays(3);

        wallet.ChangePlan(Plan.Plus, at);

        Assert.Equal(Plan.Plus, wallet.State.Plan);
        Assert.Null(wallet.State.NextPlan);
        Assert.Equal(66, wallet.Balance);
        var grant = wallet.State.Entries[^1];
        Assert.Equal(LedgerKind.Grant, grant.Kind);
        Assert.Equal(60, grant.Amount);
        Assert.Equal(at, grant.At);
        Assert.Equal("plan-upgrade:cycle-0", grant.Reference);
        Assert.Equal([new Slice(BucketSource.Monthly, 66, Utc(2027, 2, 15))], Buckets(wallet, at));
        Assert.Equal(70, wallet.View(at).MonthlyAllotment);

        // As a Plus member the unused monthly Connects now roll over.
        wallet.Advance(CycleStart(wallet, 1));
        Assert.Equal(66, Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Rollover).Quantity);
        Assert.Equal(136, wallet.Balance);
    }

    [Fact]
    public void Upgrading_again_in_the_same_cycle_grants_only_once()
    {
        var wallet = Open(Plan.Basic);
        wallet.ChangePlan(Plan.Plus, T0.AddDays(1));
        wallet.ChangePlan(Plan.Basic, T0.AddDays(2));
        Assert.Equal(Plan.Plus, wallet.State.Plan);
        Assert.Equal(Plan.Basic, wallet.State.NextPlan);
        wallet.ChangePlan(Plan.Plus, T0.AddDays(3));
        wallet.ChangePlan(Plan.Plus, T0.AddDays(4));

        Assert.Single(wallet.State.Entries, e => e.Kind == LedgerKind.Grant);
        Assert.Equal(70, wallet.Balance);
        Assert.Equal(Plan.Plus, wallet.State.Plan);
        Assert.Null(wallet.State.NextPlan);
        wallet.Advance(CycleStart(wallet, 1));
        Assert.Equal(Plan.Plus, wallet.State.Plan);
    }

    [Fact]
    public void An_upgrade_in_a_later_cycle_grants_again()
    {
        var wallet = Open(Plan.Basic);
        wallet.ChangePlan(Plan.Plus, T0.AddDays(1));
        wallet.ChangePlan(Plan.Basic, T0.AddDays(2));
        wallet.Advance(CycleStart(wallet, 1));   // Plus cycle 0 closes: 70 roll over, then Basic
        Assert.Equal(Plan.Basic, wallet.State.Plan);

        wallet.ChangePlan(Plan.Plus, CycleStart(wallet, 1).AddDays(1));

        var grants = wallet.State.Entries.Where(e => e.Kind == LedgerKind.Grant).ToList();
        Assert.Equal(2, grants.Count);
        Assert.Equal("plan-upgrade:cycle-1", grants[1].Reference);
        Assert.Equal(70 + 10 + 60, wallet.Balance);
    }

    [Fact]
    public void Upgrading_a_plus_wallet_changes_nothing()
    {
        var wallet = Open(Plan.Plus);
        wallet.ChangePlan(Plan.Plus, T0.AddDays(1));
        Assert.Single(wallet.State.Entries);
        Assert.Equal(70, wallet.Balance);
    }

    [Fact]
    public void A_downgrade_takes_effect_at_the_next_cycle_and_the_rollover_is_forfeited_a_cycle_later()
    {
        var wallet = Open(Plan.Plus);
        wallet.ChangePlan(Plan.Basic, T0.AddDays(3));

        Assert.Equal(Plan.Plus, wallet.State.Plan);
        Assert.Equal(Plan.Basic, wallet.State.NextPlan);
        Assert.Equal(70, wallet.Balance);
        Assert.Single(wallet.State.Entries);

        var boundary1 = CycleStart(wallet, 1);
        wallet.Advance(boundary1.AddTicks(-1));
        Assert.Equal(Plan.Plus, wallet.State.Plan);

        var before = wallet.State.Entries.Count;
        wallet.Advance(boundary1);
        Assert.Equal(Plan.Basic, wallet.State.Plan);
        Assert.Null(wallet.State.NextPlan);
        var added = EntriesSince(wallet, before);
        Assert.Equal([LedgerKind.Rollover, LedgerKind.MonthlyRefresh], added.Select(e => e.Kind));
        Assert.Equal(70, added[0].Quantity);
        Assert.Equal(10, added[1].Amount);
        Assert.Equal(80, wallet.Balance);
        Assert.Equal(10, wallet.View(boundary1).MonthlyAllotment);

        before = wallet.State.Entries.Count;
        wallet.Advance(CycleStart(wallet, 2));
        added = EntriesSince(wallet, before);
        Assert.Equal([LedgerKind.Forfeit, LedgerKind.MonthlyRefresh], added.Select(e => e.Kind));
        Assert.Equal(-80, added[0].Amount);
        Assert.Equal(1, added[0].Cycle);
        Assert.Equal(10, wallet.Balance);
        Assert.Equal([new Slice(BucketSource.Monthly, 10, CycleStart(wallet, 3))], Buckets(wallet, CycleStart(wallet, 2)));
    }

    [Fact]
    public void An_upgrade_after_a_pending_downgrade_cancels_the_downgrade_without_a_grant()
    {
        var wallet = Open(Plan.Plus);
        wallet.ChangePlan(Plan.Basic, T0.AddDays(1));
        wallet.ChangePlan(Plan.Plus, T0.AddDays(2));
        Assert.Null(wallet.State.NextPlan);
        Assert.Single(wallet.State.Entries);
        wallet.Advance(CycleStart(wallet, 1));
        Assert.Equal(Plan.Plus, wallet.State.Plan);
        Assert.Equal(140, wallet.Balance);
    }

    [Fact]
    public void Downgrading_a_basic_wallet_changes_nothing()
    {
        var wallet = Open(Plan.Basic);
        wallet.ChangePlan(Plan.Basic, T0.AddDays(1));
        Assert.Equal(Plan.Basic, wallet.State.Plan);
        Assert.Null(wallet.State.NextPlan);
        Assert.Single(wallet.State.Entries);
    }

    // ---------------------------------------------------------------- Advance

    [Fact]
    public void Advance_is_idempotent()
    {
        var wallet = Open(Plan.Plus);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var now = T0.AddMonths(14).AddDays(3);
        Assert.True(wallet.Advance(now));
        var entries = wallet.State.Entries.ToList();
        var buckets = Buckets(wallet, now);
        var balance = wallet.Balance;
        var cycle = wallet.State.Cycle;

        Assert.False(wallet.Advance(now));
        Assert.False(wallet.Advance(now.AddDays(-40)));

        Assert.Equal(entries, wallet.State.Entries);
        Assert.Equal(buckets, Buckets(wallet, now));
        Assert.Equal(balance, wallet.Balance);
        Assert.Equal(cycle, wallet.State.Cycle);
    }

    [Fact]
    public void Advance_within_a_cycle_with_nothing_due_changes_nothing()
    {
        var wallet = Open(Plan.Basic);
        Assert.False(wallet.Advance(T0));
        Assert.False(wallet.Advance(T0.AddDays(20)));
        Assert.Single(wallet.State.Entries);
    }

    private static Wallet Scripted(Plan plan, DateTimeOffset anchor)
    {
        var wallet = Open(plan, anchor);
        wallet.Purchase("pay-1", 40, anchor.AddDays(2));
        Spend(wallet, "job-1", 15, anchor.AddDays(3));
        wallet.Grant("g-1", 5, "promo", anchor.AddDays(50), anchor.AddDays(3));
        wallet.Grant("g-2", 7, "promo", null, anchor.AddDays(4));
        wallet.Purchase("pay-2", 20, anchor.AddDays(4));
        return wallet;
    }

    [Theory]
    [InlineData(Plan.Basic, 15)]
    [InlineData(Plan.Plus, 15)]
    [InlineData(Plan.Basic, 31)]
    [InlineData(Plan.Plus, 31)]
    public void Advancing_many_months_at_once_equals_advancing_step_by_step(Plan plan, int anchorDay)
    {
        var anchor = Utc(2027, 1, anchorDay, 9);
        var end = anchor.AddMonths(20).AddDays(5);
        var atOnce = Scripted(plan, anchor);
        var monthly = Scripted(plan, anchor);
        var daily = Scripted(plan, anchor);

        atOnce.Advance(end);
        for (var i = 1; CycleStart(monthly, i) <= end; i++) monthly.Advance(CycleStart(monthly, i));
        monthly.Advance(end);
        for (var t = anchor.AddDays(5); t < end; t = t.AddDays(1)) daily.Advance(t);
        daily.Advance(end);

        foreach (var other in new[] { monthly, daily })
        {
            Assert.Equal(atOnce.Balance, other.Balance);
            Assert.Equal(atOnce.State.Cycle, other.State.Cycle);
            Assert.Equal(atOnce.State.Entries, other.State.Entries);
            Assert.Equal(Buckets(atOnce, end), Buckets(other, end));
            Assert.Equal(atOnce.State.Totals, other.State.Totals);
        }
        Assert.Contains(atOnce.State.Entries, e => e.Kind == LedgerKind.Expiry && e.Reference == "expired:purchase");
        Assert.Contains(atOnce.State.Entries, e => e.Kind == LedgerKind.Expiry && e.Reference == "expired:grant");
        Assert.Equal(20, atOnce.State.Cycle);
    }

    // ---------------------------------------------------------------- view and archive

    [Fact]
    public void The_view_shows_what_leaves_within_30_days()
    {
        var wallet = Open(Plan.Basic);
        wallet.Purchase("pay-1", 20, T0.AddDays(1));
        var view = wallet.View(T0.AddDays(2));
        Assert.Equal(30, view.Balance);
        Assert.Equal(30, view.Available);
        Assert.Equal(0, view.Held);
        Assert.Equal(10, view.MonthlyAllotment);
        Assert.Equal(Utc(2027, 2, 15), view.NextRefreshAt);
        Assert.Equal(10, view.ExpiringWithin30Days);  // the monthly Connects; the purchase expires in a year
        Assert.Equal(T0, view.BillingAnchor);

        var late = Utc(2027, 12, 25);
        wallet.Advance(late);
        Assert.Equal(30, wallet.View(late).ExpiringWithin30Days); // 10 monthly + the purchase due Jan 16 2028
    }

    [Fact]
    public void Closed_cycles_stay_in_the_wallet_until_enough_entries_pile_up_then_all_of_them_move()
    {
        var wallet = Open(Plan.Basic, rules: new WalletRules { ArchiveAfterEntries = 6 });
        wallet.Purchase("pay-1", 10, T0.AddDays(1));
        for (var cycle = 1; wallet.EntriesToArchive().Count == 0; cycle++)
        {
            var closed = wallet.State.Entries.Count(e => e.Cycle < wallet.State.Cycle);
            Assert.True(closed < 6, $"{closed} closed entries and nothing due");
            Assert.Empty(wallet.ReceiptsToArchive()); // one closed receipt: it waits for its entries
            wallet.ForgetArchived();
            Assert.Equal(closed, wallet.State.Entries.Count(e => e.Cycle < wallet.State.Cycle));
            wallet.Advance(CycleStart(wallet, cycle).AddDays(1));
        }
        var due = wallet.EntriesToArchive();
        Assert.True(due.Count >= 6);
        Assert.All(due, e => Assert.True(e.Cycle < wallet.State.Cycle));
        Assert.Equal(Enumerable.Range(0, wallet.State.Cycle), due.Select(e => e.Cycle).Distinct().Order());
        Assert.Single(wallet.ReceiptsToArchive());

        wallet.ForgetArchived();

        Assert.All(wallet.State.Entries, e => Assert.Equal(wallet.State.Cycle, e.Cycle));
        Assert.Empty(wallet.State.Receipts);
        Assert.Equal(wallet.Balance, wallet.State.Totals.Net);
    }

    [Fact]
    public void Forgetting_archived_cycles_keeps_only_the_open_cycles_entries()
    {
        var wallet = Open(Plan.Basic, rules: new WalletRules { ArchiveAfterEntries = 0 });
        wallet.Purchase("pay-1", 10, T0.AddDays(1));
        wallet.Advance(CycleStart(wallet, 2).AddDays(1));
        var closed = wallet.EntriesToArchive().GroupBy(e => e.Cycle).OrderBy(g => g.Key).ToList();
        Assert.Equal([0, 1], closed.Select(g => g.Key));
        Assert.Single(wallet.ReceiptsToArchive());

        wallet.ForgetArchived();

        Assert.All(wallet.State.Entries, e => Assert.Equal(2, e.Cycle));
        Assert.Equal(LedgerKind.MonthlyRefresh, Assert.Single(wallet.State.Entries).Kind);
        Assert.Empty(wallet.State.Receipts);
        Assert.Equal(20, wallet.Balance);
        Assert.Equal(wallet.Balance, wallet.State.Totals.Net);
    }

    // ---------------------------------------------------------------- invariants under random operations

    [Theory]
    [InlineData(20270115)]
    [InlineData(7)]
    [InlineData(424242)]
    public void Invariants_hold_after_every_operation_of_a_random_sequence(int seed)
    {
        var rng = new Random(seed);
        var rules = new WalletRules();
        var now = Utc(2027, 1, 31, 9);
        var wallet = Open(rng.Next(2) == 0 ? Plan.Basic : Plan.Plus, now, rules);
        var holds = new List<Hold>();
        var captured = new List<(string JobId, IReadOnlyList<Slice> Slices)>();
        var job = 0;
        CheckInvariants(wallet, now, seed, -1, "open");

        for (var step = 0; step < 2000; step++)
        {
            var op = rng.Next(10);
            string what;
            switch (op)
            {
                case 0:
                case 1:
                    now = now.AddMinutes(rng.Next(0, 8 * 24 * 60));
                    wallet.Advance(now);
                    what = $"advance to {now:O}";
                    break;
                case 2:
                    var bundle = rules.Bundles[rng.Next(rules.Bundles.Count)];
                    wallet.Purchase($"pay-{step}", bundle, now);
                    what = $"purchase {bundle}";
                    break;
                case 3:
                    var amount = rng.Next(1, 30);
                    DateTimeOffset? expires = rng.Next(2) == 0 ? null : now.AddHours(rng.Next(1, 24 * 90));
                    wallet.Grant($"grant-{step}", amount, "random", expires, now);
                    what = $"grant {amount} expiring {expires:O}";
                    break;
                case 4:
                case 5:
                    var want = rng.Next(1, 40);
                    var availableBefore = wallet.Available;
                    var hold = wallet.Reserve($"job-{job++}", want, now);
                    Assert.True((hold is null) == (availableBefore < want), $"seed {seed} step {step}: reserve {want} of {availableBefore} returned {hold}");
                    if (hold is not null) holds.Add(hold);
                    what = $"reserve {want}";
                    break;
                case 6:
                    if (holds.Count == 0) { what = "nothing"; break; }
                    var toCapture = holds[rng.Next(holds.Count)];
                    holds.Remove(toCapture);
                    var charged = rng.Next(1, toCapture.Amount + 1);
                    captured.Add((toCapture.JobId, wallet.Capture(toCapture.HoldId, charged, now)));
                    Assert.Equal(charged, captured[^1].Slices.Sum(s => s.Amount));
                    what = $"capture {charged} of {toCapture.Amount}";
                    break;
                case 7:
                    if (holds.Count == 0) { what = "nothing"; break; }
                    var toRelease = holds[rng.Next(holds.Count)];
                    holds.Remove(toRelease);
                    wallet.Release(toRelease.HoldId, now);
                    what = $"release {toRelease.Amount}";
                    break;
                case 8:
                    if (captured.Count == 0) { what = "nothing"; break; }
                    var toRefund = captured[rng.Next(captured.Count)];
                    captured.Remove(toRefund);
                    wallet.Refund(toRefund.JobId, toRefund.Slices, now);
                    what = $"refund {toRefund.Slices.Sum(s => s.Amount)}";
                    break;
                default:
                    var plan = rng.Next(2) == 0 ? Plan.Basic : Plan.Plus;
                    wallet.ChangePlan(plan, now);
                    what = $"change plan to {plan}";
                    break;
            }
            CheckInvariants(wallet, now, seed, step, what);
        }
    }

    private static void CheckInvariants(Wallet wallet, DateTimeOffset now, int seed, int step, string what)
    {
        var context = $"seed {seed}, step {step} ({what})";
        var entries = wallet.State.Entries;
        Assert.True(wallet.Balance == entries.Sum(e => e.Amount), $"{context}: balance {wallet.Balance} != sum of entries {entries.Sum(e => e.Amount)}");
        Assert.True(wallet.Balance == wallet.State.Totals.Net, $"{context}: balance {wallet.Balance} != totals net {wallet.State.Totals.Net}");
        Assert.True(wallet.Balance == wallet.Available + wallet.Held, $"{context}: balance {wallet.Balance} != available {wallet.Available} + held {wallet.Held}");
        Assert.True(wallet.Balance >= 0, $"{context}: negative balance {wallet.Balance}");
        var running = 0;
        long sequence = 0;
        foreach (var entry in entries)
        {
            running += entry.Amount;
            Assert.True(entry.BalanceAfter == running, $"{context}: entry {entry.Sequence} has balance after {entry.BalanceAfter}, running sum is {running}");
            Assert.True(entry.Sequence > sequence, $"{context}: entry sequence {entry.Sequence} after {sequence}");
            sequence = entry.Sequence;
        }
        Assert.True(wallet.State.Buckets.All(b => b.Amount > 0), $"{context}: an empty or negative bucket");
        Assert.True(wallet.State.Buckets.All(b => b.ExpiresAt is null || b.ExpiresAt > now), $"{context}: a bucket past its expiry is still available");
        Assert.True(wallet.State.Cycle == BillingCycle.At(wallet.State.Anchor, now).Index, $"{context}: wallet is in cycle {wallet.State.Cycle}, {now:O} is in cycle {BillingCycle.At(wallet.State.Anchor, now).Index}");
    }
}
