using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

[GenerateSerializer, Alias("Connects.StatementState")]
public sealed class StatementState
{
    [Id(0)] public List<LedgerEntry> Entries { get; set; } = [];
}

public sealed class StatementGrain(
    [PersistentState("statement", ConnectsStorage.Name)] IPersistentState<StatementState> stored) : Grain, IStatementGrain
{
    /// <summary>Adds entries it does not have yet (by sequence number): a repeated archive changes nothing.</summary>
    public async Task Write(IReadOnlyList<LedgerEntry> entries)
    {
        var known = stored.State.Entries.Select(e => e.Sequence).ToHashSet();
        var added = entries.Where(e => known.Add(e.Sequence)).ToList();
        if (added.Count == 0) return;
        stored.State.Entries = [.. stored.State.Entries.Concat(added).OrderBy(e => e.Sequence)];
        await stored.WriteStateAsync();
    }

    public Task<IReadOnlyList<LedgerEntry>> Read() => Task.FromResult<IReadOnlyList<LedgerEntry>>(stored.State.Entries);
}

/// <summary>A receipt book's receipts by key: one year of a wallet's closed cycles (or, in a book of before books per year,
/// every closed cycle).</summary>
[GenerateSerializer, Alias("Connects.ReceiptBookState")]
public sealed class ReceiptBookState
{
    [Id(0)] public Dictionary<string, Receipt> Receipts { get; set; } = [];
}

public sealed class ReceiptBookGrain(
    [PersistentState("receipts", ConnectsStorage.Name)] IPersistentState<ReceiptBookState> stored) : Grain, IReceiptBookGrain
{
    public Task<Receipt?> Find(string key) => Task.FromResult(stored.State.Receipts.GetValueOrDefault(key));

    public async Task Add(IReadOnlyList<Receipt> receipts)
    {
        var added = receipts.Count(r => stored.State.Receipts.TryAdd(r.Key, r));
        if (added > 0) await stored.WriteStateAsync();
    }

    public Task<IReadOnlyList<Receipt>> All() => Task.FromResult<IReadOnlyList<Receipt>>([.. stored.State.Receipts.Values]);

    public async Task Clear()
    {
        if (!stored.RecordExists) return;
        await stored.ClearStateAsync();
        stored.State = new ReceiptBookState();
    }
}
