using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Orleans.Storage;
using Orleans;
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
    public async Task A_renewal_cohort_woken_after_its_instant_brings_its_idle_wallets_up_to_date_in_storage()
    {
        var wallets = Enumerable.Range(0, 3).Select(i => fx.Grains.Wallet($"cohort-woken-{i}")).ToList();
        var anchor = (await wallets[0].Open(Plan.Basic)).Wallet.BillingAnchor;
        foreach (var other in wallets.Skip(1)) await other.Open(Plan.Plus);
        var day = RenewalDay.Of(anchor);
        await AdvanceToCycle(anchor, 1, TimeSpan.FromMinutes(1));

        // What the API does after a sandbox clock move, and the silo at start.
        var cohort = fx.Grains.RenewalCohort(day);
        await cohort.Wake();
        var renewal = BillingCycle.Of(anchor, 1).Start;
        await Eventually.Until(async () => await cohort.RefreshedThrough() >= renewal, "the cohort to refresh its wallets");

        foreach (var wallet in wallets)
        {
            var stored = await StoredWallet(wallet);
            Assert.True(stored.Cycle >= 1, $"{wallet.GetPrimaryKeyString()} is stored in cycle {stored.Cycle}");
        }
        Assert.Equal(10, (await StoredWallet(wallets[0])).Balance);
    }

    [Fact]
    public async Task A_renewal_cohorts_reminder_refreshes_its_wallets_without_any_other_call()
    {
        var wallet = fx.Grains.Wallet("cohort-ticks");
        var anchor = (await wallet.Open(Plan.Basic)).Wallet.BillingAnchor;
        var cohort = fx.Grains.RenewalCohort(RenewalDay.Of(anchor));
        await AdvanceToCycle(anchor, 1, TimeSpan.FromMinutes(1));

        // Each look moves the reminders' clock a day on, until the cohort's reminder (due at the renewal, then every
        // minute in the test silos) has ticked and its refresh is stored. Nothing else calls the wallet or the cohort.
        await Eventually.Until(async () =>
        {
            fx.ReminderTime.Advance(TimeSpan.FromDays(1));
            return (await StoredWallet(wallet)).Cycle >= 1;
        }, "the cohort's reminder to store the wallet's new cycle", poll: TimeSpan.FromMilliseconds(200));
        // The cohort marks the renewal once every wallet of its roll answered, which is after the wallet's write (and after
        // the wallet recorded its events): a moment later than the stored cycle seen above.
        await Eventually.Until(async () => await cohort.RefreshedThrough() >= BillingCycle.Of(anchor, 1).Start, "the cohort to mark its renewal done");
    }

    [Fact]
    public async Task Every_wallet_opened_is_on_its_renewal_days_roll_and_has_no_reminder_of_its_own()
    {
        var wallet = fx.Grains.Wallet("cohort-roll");
        var anchor = (await wallet.Open(Plan.Basic)).Wallet.BillingAnchor;
        var roll = fx.Cluster.Silos[0].ServiceProvider.GetRequiredService<IRenewalRoll>();
        Assert.Contains("cohort-roll", await AllMembers(roll, RenewalDay.Of(anchor)));
        var reminders = fx.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        Assert.Empty((await reminders.ReadRows(wallet.GetGrainId())).Reminders);
    }

    [Fact]
    public async Task A_wallet_with_a_reminder_of_its_own_moves_to_its_cohort_at_the_next_tick()
    {
        // A wallet opened before renewal cohorts: its reminder row is in the table, and it is on no roll.
        var wallet = fx.Grains.Wallet("cohort-legacy");
        var anchor = (await wallet.Open(Plan.Basic)).Wallet.BillingAnchor;
        var services = fx.Cluster.Silos[0].ServiceProvider;
        var reminders = services.GetRequiredService<IReminderTable>();
        await reminders.UpsertRow(new ReminderEntry
        {
            GrainId = wallet.GetGrainId(), ReminderName = WalletGrain.RefreshReminder,
            StartAt = fx.ReminderTime.GetUtcNow().UtcDateTime, Period = TimeSpan.FromMinutes(1),
        });

        await Eventually.Until(async () =>
        {
            fx.ReminderTime.Advance(TimeSpan.FromMinutes(1));
            return (await reminders.ReadRows(wallet.GetGrainId())).Reminders.Count == 0;
        }, "the wallet's own reminder to tick and be removed", poll: TimeSpan.FromMilliseconds(200));
        Assert.Contains("cohort-legacy", await AllMembers(services.GetRequiredService<IRenewalRoll>(), RenewalDay.Of(anchor)));
    }

    private static async Task<List<string>> AllMembers(IRenewalRoll roll, RenewalDay day)
    {
        var all = new List<string>();
        while (await roll.Members(day, all.LastOrDefault(), 2) is { Count: > 0 } page) all.AddRange(page);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        return all;
    }

    private async Task<WalletState> StoredWallet(IWalletGrain wallet)
    {
        var storage = fx.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
        var stored = new GrainState<WalletState>();
        await storage.ReadStateAsync("wallet", wallet.GetGrainId(), stored);
        return stored.State ?? new WalletState();
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
