using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class WalletLifecycleTests(ClusterFixture fx)
{
    private async Task AdvanceToCycle(DateTimeOffset anchor, int cycle, TimeSpan past)
    {
        var target = BillingCycle.Of(anchor, cycle).Start + past;
        var now = fx.Time.GetUtcNow();
        if (target > now) fx.Time.Advance(target - now);
        await Task.Yield();
    }

    [Fact]
    public async Task Basic_and_plus_wallets_over_fourteen_months_refresh_forfeit_and_roll_over_once_per_cycle()
    {
        var basic = fx.Grains.Wallet("lifecycle-basic");
        var plus = fx.Grains.Wallet("lifecycle-plus");
        await basic.Open(Plan.Basic);
        var anchor = (await plus.Open(Plan.Plus)).Wallet.BillingAnchor;

        for (var month = 1; month <= 14; month++)
        {
            await AdvanceToCycle(anchor, month, TimeSpan.FromHours(1));
            var b = (await basic.GetWallet())!;
            var p = (await plus.GetWallet())!;
            Assert.Equal(10, b.Balance);
            Assert.Equal(Math.Min(140, 70 * month) + 70, p.Balance);
            Assert.Equal(month, p.Cycle);
        }

        var basicEntries = await basic.AllEntries(pageSize: 5);
        Assert.Equal(14, basicEntries.Count(e => e.Kind == LedgerKind.MonthlyRefresh));
        Assert.Equal(14, basicEntries.Count(e => e.Kind == LedgerKind.Forfeit && e.Amount == -10));
        var plusEntries = await plus.AllEntries(pageSize: 7);
        Assert.Equal(14, plusEntries.Count(e => e.Kind == LedgerKind.MonthlyRefresh));
        Assert.Equal([70, 70], plusEntries.Where(e => e.Kind == LedgerKind.Rollover).Select(e => e.Quantity));
        Assert.Equal(12, plusEntries.Count(e => e.Kind == LedgerKind.Forfeit && e.Amount == -70));
        await basic.AssertConserved();
        await plus.AssertConserved();
    }

    [Fact]
    public async Task Duplicated_and_late_reminder_ticks_never_refresh_twice()
    {
        var wallet = fx.Grains.Wallet("ticks-duplicated");
        var anchor = (await wallet.Open(Plan.Basic)).Wallet.BillingAnchor;
        await AdvanceToCycle(anchor, 1, TimeSpan.FromMinutes(5));

        var remindable = fx.Grains.GetGrain<IRemindable>(wallet.GetGrainId());
        var tick = new TickStatus(anchor.UtcDateTime, TimeSpan.FromDays(1), fx.Time.GetUtcNow().UtcDateTime);
        await remindable.ReceiveReminder(WalletGrain.RefreshReminder, tick);
        await remindable.ReceiveReminder(WalletGrain.RefreshReminder, tick);
        await fx.Cluster.DeactivateAsync(wallet);
        await remindable.ReceiveReminder(WalletGrain.RefreshReminder, tick);

        var entries = await wallet.AllEntries();
        Assert.Single(entries, e => e.Kind == LedgerKind.MonthlyRefresh);
        Assert.Equal(10, (await wallet.GetWallet())!.Balance);
        await wallet.AssertConserved();
    }

    [Fact]
    public async Task Missed_ticks_are_made_up_from_state_on_the_next_call()
    {
        var wallet = fx.Grains.Wallet("ticks-missed");
        var anchor = (await wallet.Open(Plan.Plus)).Wallet.BillingAnchor;
        await fx.Cluster.DeactivateAsync(wallet);
        await AdvanceToCycle(anchor, 3, TimeSpan.FromDays(2));

        var view = (await wallet.GetWallet())!;
        Assert.Equal(3, view.Cycle);
        Assert.Equal(140 + 70, view.Balance);
        var entries = await wallet.AllEntries();
        Assert.Equal(["cycle-1", "cycle-2", "cycle-3"], entries.Where(e => e.Kind == LedgerKind.MonthlyRefresh).Select(e => e.Reference).Order());
        Assert.Equal(BillingCycle.Of(anchor, 3).Start, entries.Where(e => e.Kind == LedgerKind.MonthlyRefresh).Max(e => e.At));
    }

    [Fact]
    public async Task A_reminder_tick_brings_an_idle_wallet_up_to_date_in_storage()
    {
        var wallet = fx.Grains.Wallet("ticks-durable");
        var anchor = (await wallet.Open(Plan.Basic)).Wallet.BillingAnchor;
        await AdvanceToCycle(anchor, 1, TimeSpan.FromMinutes(1));

        var storage = fx.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
        var stored = new GrainState<WalletState>();
        // Each look moves the reminders' clock a minute on, so the wallet's reminder falls due until its tick is stored.
        await Eventually.Until(async () =>
        {
            fx.ReminderTime.Advance(TimeSpan.FromMinutes(1));
            await storage.ReadStateAsync("wallet", wallet.GetGrainId(), stored);
            return stored.State?.Cycle == 1;
        }, "a reminder tick to store the wallet's new cycle", poll: TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, stored.State?.Cycle);
        Assert.Equal(10, stored.State?.Balance);
    }

    [Fact]
    public async Task Purchases_apply_once_per_payment_reference_and_expire_after_twelve_months()
    {
        var wallet = fx.Grains.Wallet("purchases");
        await wallet.Open(Plan.Basic);
        var first = await wallet.Purchase("pay-123", 40);
        var again = await wallet.Purchase("pay-123", 40);
        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Receipt, again.Receipt);
        Assert.Equal(6.00m, first.Receipt.PriceUsd);
        Assert.Equal(50, (await wallet.GetWallet())!.Balance);
        var reused = await Assert.ThrowsAsync<ConnectsRuleException>(() => wallet.Purchase("pay-123", 20));
        Assert.Equal(Refusals.ReferenceReused, reused.Rule);

        fx.Time.Advance(first.Receipt.ExpiresAt - fx.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        // Months later (receipt archived to the book), the same reference is still recognised.
        Assert.False((await wallet.Purchase("pay-123", 40)).Created);
        var view = (await wallet.GetWallet())!;
        Assert.Equal(10, view.Balance);
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Expiry && e.Amount == -40);
        await wallet.AssertConserved();
    }
}
