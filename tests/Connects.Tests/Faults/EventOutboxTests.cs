using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Tests.Faults;

/// <summary>
/// The events outbox (docs/design.md, "Events"): every stored ledger entry has exactly one event in the events table, in
/// sequence, and no event exists for a change that was not stored. Each window between the wallet's write and the
/// recording of its events is played by failing the write (before or after it lands) or the recording
/// (<see cref="StorageFaults"/>), with the activation dropped in between.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EventOutboxTests(ClusterFixture fx) : IDisposable
{
    private readonly IFaultCluster _cluster = new SharedCluster(fx);

    public void Dispose() => fx.StorageFaults.Clear();

    private IEventStore Table => fx.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventStore>();

    [Fact]
    public async Task Every_ledger_entry_becomes_one_event_of_its_kind_in_sequence()
    {
        const string id = "ev-all";
        var (_, wallet, price) = await fx.Grains.JobAndPlusWallet(id);
        Assert.Equal(SubmissionOutcome.Submitted, (await wallet.SubmitProposal(id, price)).Outcome);
        await wallet.Purchase("ev-all-pay", 10);
        await wallet.Grant("ev-all-grant", 5, "welcome", null);

        // The capture's spend entry is written by the deferred flush; its event follows that write.
        await Eventually.Until(async () => (await Stored.Wallet(_cluster, id + "-f"))!.Entries.Any(x => x.Kind == LedgerKind.Spend),
            "the capture to be stored");
        var entries = (await wallet.AllEntries()).OrderBy(e => e.Sequence).ToList();
        var events = (await wallet.GetEvents(0, 100))!;

        Assert.Equal(entries.Select(e => e.Sequence), events.Select(e => e.Sequence));
        foreach (var (entry, e) in entries.Zip(events))
        {
            Assert.Equal(WalletEvents.IdOf(id + "-f", entry.Sequence), e.Id);
            Assert.Equal((WalletEvents.TypeOf(entry.Kind), id + "-f", entry.At), (e.Type, e.Subject, e.Time));
            Assert.Equal((entry.Kind, entry.Amount, entry.BalanceAfter, entry.Reference), (e.Kind, e.Amount, e.BalanceAfter, e.Reference));
        }
        Assert.Equal([WalletEvents.Opened, WalletEvents.Spent, WalletEvents.Purchased, WalletEvents.Granted], events.Select(e => e.Type));
        Assert.Equal(fx.Time.GetUtcNow(), events[^1].Time);
        // The feed pages by sequence.
        var page = (await wallet.GetEvents(events[1].Sequence, 2))!;
        Assert.Equal(events.Skip(2).Take(2).Select(e => e.Id), page.Select(e => e.Id));
    }

    [Fact]
    public async Task A_write_that_never_landed_leaves_no_event()
    {
        const string id = "ev-before";
        var wallet = await fx.Grains.OpenedWallet(id);
        fx.StorageFaults.FailWrites("wallet", "freelancer:" + id, FaultMode.Before);

        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Purchase("ev-before-pay", 10));

        Assert.DoesNotContain(await wallet.AllEntries(), e => e.Kind == LedgerKind.Purchase);
        var events = (await wallet.GetEvents(0, 100))!;
        Assert.Equal([WalletEvents.Opened], events.Select(e => e.Type));
        Assert.Equal([WalletEvents.Opened], (await Table.Read(id, 0, 100)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_write_that_landed_while_its_grain_heard_it_fail_has_its_event_recorded_by_the_next_activation()
    {
        const string id = "ev-after";
        var wallet = await fx.Grains.OpenedWallet(id);
        fx.StorageFaults.FailWrites("wallet", "freelancer:" + id, FaultMode.After);

        await Assert.ThrowsAnyAsync<Exception>(() => wallet.Purchase("ev-after-pay", 10));

        // The failed activation records nothing of it; the next one finds the stored entry and records its event once.
        var events = (await wallet.GetEvents(0, 100))!;
        Assert.Equal([WalletEvents.Opened, WalletEvents.Purchased], events.Select(e => e.Type));
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Purchase);
        Assert.Equal(events.Select(e => e.Id), (await Table.Read(id, 0, 100)).Select(e => e.Id));
    }

    [Fact]
    public async Task Events_lost_between_the_write_and_the_table_are_recorded_by_the_next_activation_in_sequence()
    {
        const string id = "ev-lost";
        var wallet = await fx.Grains.OpenedWallet(id);
        // The recording after the purchase's write fails, and so does the deactivation's attempt: as if the silo died
        // between the write and the recording.
        fx.StorageFaults.FailEventRecords(id, times: 2);

        var bought = await wallet.Purchase("ev-lost-pay", 10);

        Assert.True(bought.Created); // the change stands: it is stored
        Assert.Equal([WalletEvents.Opened], (await Table.Read(id, 0, 100)).Select(e => e.Type));
        await fx.Cluster.DeactivateAsync(wallet);
        Assert.Equal([WalletEvents.Opened], (await Table.Read(id, 0, 100)).Select(e => e.Type));

        // The next activation records it before anything else; later changes follow it, none twice.
        await wallet.Grant("ev-lost-grant", 3, "sorry", null);
        await fx.Cluster.DeactivateAsync(wallet);
        await wallet.Purchase("ev-lost-pay-2", 10);
        await wallet.GetEvents(0, 1); // a read of the feed waits for the recording the purchase started

        var events = await Table.Read(id, 0, 100);
        Assert.Equal([WalletEvents.Opened, WalletEvents.Purchased, WalletEvents.Granted, WalletEvents.Purchased], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Recording_an_event_again_changes_nothing()
    {
        const string id = "ev-again";
        var wallet = await fx.Grains.OpenedWallet(id);
        await wallet.Purchase("ev-again-pay", 10);
        await wallet.GetEvents(0, 1); // a read of the feed waits for the recording the purchase started
        var recorded = await Table.Read(id, 0, 100);
        Assert.Equal(2, recorded.Count);

        // A wallet whose stored mark lags its table (the mark goes with the next write) records the same events again.
        await Table.Record([.. recorded.Select(e => e with { Amount = 999 })]);
        await fx.Cluster.DeactivateAsync(wallet);
        await wallet.GetWallet();

        Assert.Equal(recorded, await Table.Read(id, 0, 100));
    }

    [Fact]
    public async Task Entries_archived_by_the_write_whose_events_were_lost_are_recorded_from_their_statements()
    {
        await using var c = await FaultCluster.Start(1);
        const string id = "ev-archived";
        var wallet = await c.Grains.OpenedWallet(id);
        var table = c.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventStore>();
        Assert.Single(await wallet.GetEvents(0, 100) ?? []);

        // Fourteen months pass: one write closes them all and archives their entries to statements; its events are lost.
        c.Time.Advance(TimeSpan.FromDays(14 * 31));
        c.StorageFaults.FailEventRecords(id, times: 2);
        await wallet.GetWallet();
        await c.Cluster.DeactivateAsync(wallet);
        Assert.Single(await table.Read(id, 0, 1000));
        var state = (await Stored.Wallet(c, id))!;
        Assert.True(state.Entries.Min(e => e.Sequence) > 2, "the write archived entries made by itself");

        var events = (await wallet.GetEvents(0, 1000))!;

        var entries = (await wallet.AllEntries()).OrderBy(e => e.Sequence).ToList();
        Assert.Equal(entries.Select(e => e.Sequence), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Contains(events, e => e.Type == WalletEvents.Refreshed);
    }
}
