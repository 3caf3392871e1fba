using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class WalletEventsTests
{
    [Fact]
    public void Every_ledger_kind_has_an_event_type_and_a_cycles_end_is_a_refresh()
    {
        foreach (var kind in Enum.GetValues<LedgerKind>()) Assert.StartsWith("connects.", WalletEvents.TypeOf(kind));
        Assert.Equal(WalletEvents.Refreshed, WalletEvents.TypeOf(LedgerKind.Forfeit));
        Assert.Equal(WalletEvents.Refreshed, WalletEvents.TypeOf(LedgerKind.Rollover));
        Assert.Equal(WalletEvents.Refunded, WalletEvents.TypeOf(LedgerKind.Refund));
    }

    [Fact]
    public void An_entrys_event_carries_its_amount_balance_reference_and_sequence_under_an_id_made_of_subject_and_sequence()
    {
        var at = new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var e = WalletEvents.Of("ada", new LedgerEntry(7, at, LedgerKind.Refund, 4, 60, "refund:job-1", 2, 0));
        Assert.Equal(new ConnectsEvent("wallet:ada:7", WalletEvents.Refunded, "ada", 7, at, LedgerKind.Refund, 4, 60, "refund:job-1", null), e);
        Assert.Equal(e.Id, WalletEvents.Of("ada", new LedgerEntry(7, at, LedgerKind.Refund, 4, 60, "refund:job-1", 2, 0)).Id);
        Assert.NotEqual(WalletEvents.IdOf("ada:1", 7), WalletEvents.IdOf("ada", 17));
    }

    [Theory]
    [InlineData(5, null, 3, 5)]   // nothing in the table yet: from the stored mark
    [InlineData(5, 8L, 3, 9)]     // the table is ahead of the stored mark (recorded, mark not stored yet)
    [InlineData(0, null, 12, 12)] // stored before events: from the oldest entry in state, no replay of archived history
    [InlineData(0, 20L, 12, 21)]
    public void Recording_starts_after_what_the_mark_or_the_table_already_has(long mark, long? last, long oldest, long expected) =>
        Assert.Equal(expected, WalletEvents.RecordFrom(mark, last, oldest));
}
