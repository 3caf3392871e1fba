using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Faults;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Tests.Grains;

/// <summary>The wallet's notices on the cluster: stored with the write that decides them, in the wallet's feed in sequence,
/// and, for an idle wallet, the expiring notice brought by the expiry notice grain without a call of its own.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WalletNoticeEventTests(ClusterFixture fx) : IDisposable
{
    private readonly IFaultCluster _cluster = new SharedCluster(fx);

    public void Dispose() => fx.StorageFaults.Clear();

    [Fact]
    public async Task Spending_below_the_threshold_adds_one_low_balance_event_to_the_feed_and_nothing_to_the_history()
    {
        const string id = "wn-low";
        var wallet = await fx.Grains.OpenedWallet(id); // 70
        var spends = 0;
        while ((await wallet.GetWallet())!.Available >= 16)
        {
            var job = await fx.Grains.PostedJob($"{id}-{spends}", budget: 100_000, duration: ProjectDuration.MoreThanSixMonths);
            Assert.Equal(SubmissionOutcome.Submitted, (await wallet.SubmitProposal($"{id}-{spends++}", await job.PriceNow())).Outcome);
        }
        await Eventually.Until(async () => (await wallet.GetEvents(0, 100))!.Any(e => e.Type == WalletEvents.LowBalance),
            "the low-balance event");
        await Eventually.Until(async () => (await wallet.GetEvents(0, 100))!.Count(e => e.Type == WalletEvents.Spent) == spends,
            "every capture and its event");

        var events = (await wallet.GetEvents(0, 100))!;
        var low = Assert.Single(events, e => e.Type == WalletEvents.LowBalance);
        Assert.True(low.Amount < 16, $"available {low.Amount} is below the threshold");
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.DoesNotContain(await wallet.AllEntries(), e => e.Kind == LedgerKind.LowBalance);
        Assert.Single((await Stored.Wallet(_cluster, id))!.Entries, e => e.Kind == LedgerKind.LowBalance);
    }

    [Fact]
    public async Task An_idle_wallet_gets_its_expiring_event_from_the_expiry_notice_grain_once()
    {
        await using var c = await FaultCluster.Start(1);
        const string id = "wn-expiring";
        var wallet = await c.Grains.OpenedWallet(id);
        await wallet.Grant($"{id}-g", 9, "trial", c.Time.GetUtcNow().AddDays(20));
        var table = c.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventStore>();
        await c.Cluster.DeactivateAsync(wallet);

        c.Time.Advance(TimeSpan.FromDays(12));
        Assert.Equal(0, await c.Grains.ExpiryNotices().NoticeDue()); // not due yet: 8 days before expiry
        c.Time.Advance(TimeSpan.FromDays(2));
        Assert.DoesNotContain(await table.Read(id, 0, 100), e => e.Type == WalletEvents.Expiring);

        Assert.Equal(1, await c.Grains.ExpiryNotices().NoticeDue()); // the wallet, idle, is brought up to now
        Assert.Equal(0, await c.Grains.ExpiryNotices().NoticeDue()); // and taken off the roll

        // The wallet answers once its write is stored; its events reach the table right after, in the background.
        await Eventually.Until(async () => (await table.Read(id, 0, 100)).Any(e => e.Type == WalletEvents.Expiring), "the expiring event in the table");
        var expiring = Assert.Single(await table.Read(id, 0, 100), e => e.Type == WalletEvents.Expiring);
        Assert.Equal((9, "expiring:grant"), (expiring.Amount, expiring.Reference));
        c.Time.Advance(TimeSpan.FromDays(1));
        Assert.Single((await wallet.GetEvents(0, 100))!, e => e.Type == WalletEvents.Expiring);
    }
}
