using Orleans.Storage;

namespace Connects.Silo;

/// <summary>
/// One writer at a time on the embedded SQLite file, waited for asynchronously.
/// <para>
/// SQLite takes one write lock per database. Microsoft.Data.Sqlite waits for a busy lock by
/// sleeping on the calling thread, and Orleans runs every grain of a silo on a handful of threads
/// (one per core): under concurrent writes those sleeps stalled whole silos (turns over 1 s,
/// proposals' p99 near 3 s in bench/). Queuing writers here, without holding a thread, turns
/// the lock SQLite would take anyway into an await. Reads are not gated: WAL lets them run
/// beside the writer.
/// </para>
/// </summary>
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task<T> Write<T>(Func<Task<T>> write)
    {
        await _writer.WaitAsync().ConfigureAwait(false);
        try
        {
            return await write().ConfigureAwait(false);
        }
        finally
        {
            _writer.Release();
        }
    }

    public Task Write(Func<Task> write) => Write(async () =>
    {
        await write().ConfigureAwait(false);
        return true;
    });

    public void Dispose() => _writer.Dispose();
}

/// <summary>Grain storage whose writes pass through the <see cref="SqliteWriteGate"/>. With
/// <paramref name="gateWrites"/> false, state writes are not gated here: the <see cref="StateWriteBatcher"/> takes the gate
/// once per batch of them (gating each here would let only one reach the batcher at a time, and deadlock it); clears still are.</summary>
public sealed class GatedGrainStorage(IGrainStorage inner, SqliteWriteGate gate, bool gateWrites = true) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => gateWrites
        ? gate.Write(() => inner.WriteStateAsync(stateName, grainId, grainState))
        : inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.Write(() => inner.ClearStateAsync(stateName, grainId, grainState));
}

/// <summary>The reminder table, whose writes pass through the <see cref="SqliteWriteGate"/> (same file, same lock).</summary>
public sealed class GatedReminderTable(IReminderTable inner, SqliteWriteGate gate) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

    public Task<string?> UpsertRow(ReminderEntry entry) => gate.Write(() => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        gate.Write(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => gate.Write(inner.TestOnlyClearTable);
}
