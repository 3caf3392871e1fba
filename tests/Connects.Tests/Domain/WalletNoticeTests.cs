using Connects.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Connects.Tests.Domain;

/// <summary>The wallet's notices (<see cref="Wallet.Notice"/>): low balance once per crossing, expiring once per bucket.</summary>
public sealed class WalletNoticeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2027, 1, 15, 10, 0, 0, TimeSpan.Zero));
    private DateTimeOffset Now => _time.GetUtcNow();

    private Wallet Open(Plan plan, WalletRules? rules = null)
    {
        var wallet = new Wallet(new WalletState(), rules ?? new WalletRules());
        wallet.Open("freelancer-1", plan, Now);
        return wallet;
    }

    private void Spend(Wallet wallet, string jobId, int amount)
    {
        var hold = wallet.Reserve(jobId, amount, Now);
        Assert.NotNull(hold);
        wallet.Capture(hold.HoldId, amount, Now);
    }

    private static List<LedgerEntry> Notices(Wallet wallet, LedgerKind kind) => wallet.State.Entries.Where(e => e.Kind == kind).ToList();

    [Fact]
    public void Falling_below_the_threshold_gives_one_low_balance_notice_with_the_available_connects()
    {
        var wallet = Open(Plan.Plus); // 70
        Spend(wallet, "job-1", 50);
        Assert.False(wallet.Notice(Now)); // 20: not below 16

        Spend(wallet, "job-2", 6);
        Assert.True(wallet.Notice(Now));
        Spend(wallet, "job-3", 2);
        Assert.False(wallet.Notice(Now)); // still below: the same crossing

        var notice = Assert.Single(Notices(wallet, LedgerKind.LowBalance));
        Assert.Equal((0, 14, 14, Now), (notice.Amount, notice.BalanceAfter, notice.Quantity, notice.At));
        Assert.Equal(WalletEvents.LowBalance, WalletEvents.Of("freelancer-1", notice).Type);
        Assert.Equal(14, WalletEvents.Of("freelancer-1", notice).Amount);
    }

    [Fact]
    public void Rising_to_the_threshold_and_falling_again_is_a_new_crossing()
    {
        var wallet = Open(Plan.Plus);
        Spend(wallet, "job-1", 60);
        wallet.Notice(Now);
        wallet.Purchase("pay-1", 10, Now); // 20
        Assert.True(wallet.Notice(Now)); // re-armed: a change to store
        Assert.Single(Notices(wallet, LedgerKind.LowBalance));

        Spend(wallet, "job-2", 5);
        wallet.Notice(Now);

        Assert.Equal(2, Notices(wallet, LedgerKind.LowBalance).Count);
    }

    [Fact]
    public void A_hold_that_takes_the_available_connects_below_the_threshold_is_a_crossing()
    {
        var wallet = Open(Plan.Plus);
        Assert.NotNull(wallet.Reserve("job-1", 60, Now));

        Assert.True(wallet.Notice(Now));

        Assert.Equal(10, Assert.Single(Notices(wallet, LedgerKind.LowBalance)).Quantity);
    }

    [Fact]
    public void A_wallet_opened_below_the_threshold_has_crossed_nothing()
    {
        var wallet = Open(Plan.Basic); // 10 < 16

        Assert.False(wallet.Notice(Now));
        Assert.Empty(Notices(wallet, LedgerKind.LowBalance));
    }

    [Fact]
    public void A_threshold_of_zero_gives_no_low_balance_notice()
    {
        var wallet = Open(Plan.Plus, new WalletRules { LowBalanceThreshold = 0 });
        Spend(wallet, "job-1", 70);

        Assert.False(wallet.Notice(Now));
    }

    [Fact]
    public void A_purchased_bucket_gets_one_expiring_notice_seven_days_before_it_expires()
    {
        var wallet = Open(Plan.Plus);
        wallet.Purchase("pay-1", 20, Now);
        var expiresAt = wallet.PurchaseExpiry(Now);
        Assert.Equal(expiresAt - TimeSpan.FromDays(7), wallet.ExpiryNoticeDue(expiresAt));

        _time.SetUtcNow(expiresAt - TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        wallet.Advance(Now);
        wallet.Notice(Now);
        Assert.Empty(Notices(wallet, LedgerKind.Expiring));

        _time.Advance(TimeSpan.FromSeconds(1));
        wallet.Advance(Now);
        Assert.True(wallet.Notice(Now));
        _time.Advance(TimeSpan.FromDays(1));
        wallet.Advance(Now);
        Assert.False(wallet.Notice(Now));

        var notice = Assert.Single(Notices(wallet, LedgerKind.Expiring));
        Assert.Equal((0, 20, "expiring:purchase"), (notice.Amount, notice.Quantity, notice.Reference));
        Assert.Equal(expiresAt, DateTimeOffset.Parse(notice.Note!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotNull(wallet.State.ExpiryNoticesGiven);

        // Once the bucket expired, what it remembered goes: an idle wallet carries nothing for it.
        _time.SetUtcNow(expiresAt.AddDays(1));
        wallet.Advance(Now);
        wallet.Notice(Now);
        Assert.Null(wallet.State.ExpiryNoticesGiven);
        Assert.Single(Notices(wallet, LedgerKind.Expiring));
    }

    [Fact]
    public void Each_expiring_bucket_gets_its_own_notice_and_connects_returned_to_a_noticed_bucket_get_none()
    {
        var wallet = Open(Plan.Plus);
        wallet.Grant("g-1", 5, "welcome", Now.AddDays(3), Now);
        wallet.Grant("g-2", 8, "sorry", Now.AddDays(5), Now);
        wallet.Grant("g-3", 9, "later", Now.AddDays(30), Now);

        Assert.True(wallet.Notice(Now));
        Assert.Equal([5, 8], Notices(wallet, LedgerKind.Expiring).Select(e => e.Quantity));

        // A proposal spends from the soonest-expiring bucket; its refund puts the Connects back in that bucket.
        var hold = wallet.Reserve("job-1", 5, Now);
        wallet.Capture(hold!.HoldId, 5, Now);
        wallet.Refund("job-1", [new Slice(BucketSource.Grant, 5, Now.AddDays(3))], Now);
        Assert.False(wallet.Notice(Now));
        Assert.Equal(2, Notices(wallet, LedgerKind.Expiring).Count);
    }

    [Fact]
    public void Monthly_connects_get_no_expiring_notice()
    {
        var wallet = Open(Plan.Basic);
        _time.SetUtcNow(wallet.CurrentCycle.End.AddDays(-1));
        wallet.Advance(Now);

        wallet.Notice(Now);

        Assert.Empty(Notices(wallet, LedgerKind.Expiring));
    }

    [Fact]
    public void Notices_are_left_out_of_the_history()
    {
        var wallet = Open(Plan.Plus);
        Spend(wallet, "job-1", 60);
        wallet.Notice(Now);

        var history = History.Select(wallet.State.Entries, new HistoryQuery(Now.AddDays(-1), Now.AddDays(1), 100, null)).ToList();

        Assert.Equal([LedgerKind.Spend, LedgerKind.Opened], history.Select(e => e.Kind));
        Assert.Contains(wallet.State.Entries, e => e.Kind == LedgerKind.LowBalance);
    }
}
