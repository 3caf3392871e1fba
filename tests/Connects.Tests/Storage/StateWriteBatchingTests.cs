using Connects.Silo;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Xunit.Abstractions;

namespace Connects.Tests.Storage;

/// <summary>
/// Grain state writes batched (<see cref="StorageSettings.BatchWrites"/>): concurrent writes of many grains share
/// batches, a version conflict in a batch fails only its own grain, a batch that fails as a whole stores nothing and
/// fails each of its writes, and the rows are the plain provider's, read and written by it with the setting off. The
/// same tests run on SQLite (here) and on PostgreSQL (Cluster/PostgreSqlStateWriteBatchingTests).
/// </summary>
public abstract class StateWriteBatchingTests(ITestOutputHelper output)
{
    /// <summary>This test's grains are this service's: tests that share a database do not see each other's rows.</summary>
    protected string ServiceId { get; } = "batching-" + Guid.NewGuid().ToString("N")[..12];

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The test's database, with batching on or off (the same database either way).</summary>
    protected abstract StorageSettings Storage(bool batchWrites);

    /// <summary>Keeps the silo's batches from reaching the database until disposed: writes started meanwhile wait
    /// together (on PostgreSQL behind one leading batch that waits for a table lock).</summary>
    protected abstract Task<IAsyncDisposable> HoldWrites(StorageSilo silo);

    /// <summary>From now on the database refuses (an error, not a version conflict) any write of grain <paramref name="key"/>.</summary>
    protected abstract Task FailWritesOf(string key);

    [Fact]
    public async Task Concurrent_writes_of_many_grains_go_in_fewer_batches_than_writes_and_each_reads_back()
    {
        await using var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId);
        var keys = Enumerable.Range(0, 200).Select(i => $"many-{i}").ToArray();
        var states = keys.ToDictionary(k => k, _ => StorageSilo.Fresh(""));

        await Task.WhenAll(keys.Select(k => silo.Write(k, states[k], k + "/1"))); // first writes: inserts
        await Task.WhenAll(keys.Select(k => silo.Write(k, states[k], k + "/2"))); // updates of the version each holds

        var batches = silo.Batches;
        Output.WriteLine($"{batches.Count} batches for {2 * keys.Length} writes: {string.Join(' ', batches)}");
        Assert.Equal(2 * keys.Length, batches.Sum());
        Assert.True(batches.Count < 2 * keys.Length, $"{batches.Count} batches for {2 * keys.Length} writes");
        Assert.All(batches, size => Assert.InRange(size, 1, StateWriteBatcher.MaxBatch));
        foreach (var key in keys)
        {
            var read = await silo.Read(key);
            Assert.Equal([key + "/2"], read.State);
            Assert.Equal("2", read.ETag);
            Assert.Equal("2", states[key].ETag);
        }
    }

    [Fact]
    public async Task Background_work_writes_in_batches_of_its_own_and_live_writes_never_share_them()
    {
        await using var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId);
        var live = Enumerable.Range(0, 20).Select(i => $"live-{i}").ToArray();
        var background = Enumerable.Range(0, 20).Select(i => $"background-{i}").ToArray();
        var states = live.Concat(background).ToDictionary(k => k, _ => StorageSilo.Fresh(""));
        foreach (var key in states.Keys) await silo.Write(key, states[key], "first");
        var before = silo.Batches.Count;
        Assert.Empty(silo.BackgroundBatches);

        List<Task> writes;
        await using (await HoldWrites(silo))
        {
            // Both kinds wait together: without lanes they would go in one batch of 40.
            writes = [.. live.Select(k => silo.Write(k, states[k], "live")), .. background.Select(k => InBackground(() => silo.Write(k, states[k], "background")))];
        }
        await Task.WhenAll(writes).Within("the writes");

        var batches = silo.Batches.Skip(before).ToList();
        Output.WriteLine($"batches after the hold: {string.Join(' ', batches)}; of them background: {string.Join(' ', silo.BackgroundBatches)}");
        Assert.Equal(background.Length, silo.BackgroundBatches.Sum());
        Assert.All(batches, size => Assert.InRange(size, 1, Math.Max(live.Length, background.Length)));
        foreach (var key in live) Assert.Equal(["live"], (await silo.Read(key)).State);
        foreach (var key in background) Assert.Equal(["background"], (await silo.Read(key)).State);

        // Marked in its own flow, as a renewal cohort marks its refresh; the caller's flow is not.
        static async Task InBackground(Func<Task> write)
        {
            BackgroundWork.Begin();
            await write();
        }
    }

    /// <summary>The refreshes a renewal cohort runs at a time on this storage when the configuration does not say.</summary>
    protected abstract int DefaultRefreshPace { get; }

    [Fact]
    public async Task A_cohorts_refresh_pace_follows_the_storage_unless_configured()
    {
        await using (var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId))
            Assert.Equal(DefaultRefreshPace, silo.Services.GetRequiredService<IOptions<WalletProtocolSettings>>().Value.PacedRefreshes);
        await using (var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId, new() { ["Connects:Wallet:CohortRefreshConcurrency"] = "5" }))
            Assert.Equal(5, silo.Services.GetRequiredService<IOptions<WalletProtocolSettings>>().Value.PacedRefreshes);
    }

    [Fact]
    public async Task A_stale_write_in_a_batch_fails_only_its_own_grain()
    {
        await using var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId);
        var keys = Enumerable.Range(0, 10).Select(i => $"stale-{i}").ToArray();
        var states = keys.ToDictionary(k => k, _ => StorageSilo.Fresh(""));
        foreach (var key in keys) await silo.Write(key, states[key], "first");
        // A second activation's view of stale-3 (version 1), and the grain moving on to version 2 meanwhile.
        var stale = new GrainState<List<string>>(["first"], states["stale-3"].ETag);
        await silo.Write("stale-3", states["stale-3"], "moved on");

        Task staleWrite;
        Dictionary<string, Task> writes;
        await using (await HoldWrites(silo))
        {
            staleWrite = silo.Write("stale-3", stale, "stale");
            writes = keys.Where(k => k != "stale-3").ToDictionary(k => k, k => silo.Write(k, states[k], "second"));
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => staleWrite.Within("the stale write"));
        await Task.WhenAll(writes.Values).Within("the other writes");
        var batches = silo.Batches;
        Output.WriteLine($"batches: {string.Join(' ', batches)}");
        Assert.Contains(batches, size => size >= keys.Length); // the stale write and the 9 others went in one batch
        Assert.Equal(["moved on"], (await silo.Read("stale-3")).State);
        Assert.Equal("2", (await silo.Read("stale-3")).ETag);
        foreach (var key in writes.Keys)
        {
            Assert.Equal("2", states[key].ETag);
            Assert.Equal(["second"], (await silo.Read(key)).State);
        }
    }

    [Fact]
    public async Task Rows_written_with_batching_on_are_read_and_updated_with_it_off_and_back_and_are_the_same_rows()
    {
        var keys = Enumerable.Range(0, 20).Select(i => $"both-{i}").ToArray();
        Row? batchedRow;
        await using (var on = await StorageSilo.Start(Storage(batchWrites: true), ServiceId))
        {
            Assert.NotNull(on.Services.GetService<StateWriteBatcher>());
            await Task.WhenAll(keys.Select(k => on.Write(k, StorageSilo.Fresh(""), "on")));
            await on.Write("twin", StorageSilo.Fresh(""), "the same state");
            batchedRow = await Raw("twin");
            await Delete("twin");
        }

        await using (var off = await StorageSilo.Start(Storage(batchWrites: false), ServiceId))
        {
            Assert.Null(off.Services.GetService<StateWriteBatcher>());
            foreach (var key in keys)
            {
                var state = await off.Read(key);
                Assert.Equal(["on"], state.State);
                Assert.Equal("1", state.ETag);
                await off.Write(key, state, "off");
                Assert.Equal("2", state.ETag);
            }
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => off.Write($"off-{i}", StorageSilo.Fresh(""), "off")));
            // The same first write of the same grain as with batching on: the very same row, but for when it was written.
            await off.Write("twin", StorageSilo.Fresh(""), "the same state");
            Assert.Equal(batchedRow, await Raw("twin"));
        }

        await using (var onAgain = await StorageSilo.Start(Storage(batchWrites: true), ServiceId))
        {
            var all = keys.Concat(Enumerable.Range(0, 5).Select(i => $"off-{i}")).ToArray();
            var states = new Dictionary<string, GrainState<List<string>>>();
            foreach (var key in all) states[key] = await onAgain.Read(key);
            Assert.All(all, k => Assert.Equal(["off"], states[k].State));
            await Task.WhenAll(all.Select(k => onAgain.Write(k, states[k], "on again")));
            foreach (var key in keys) Assert.Equal("3", states[key].ETag);
            foreach (var key in all) Assert.Equal(["on again"], (await onAgain.Read(key)).State);
            Assert.NotEmpty(onAgain.Batches);
        }
    }

    [Fact]
    public async Task A_batch_that_fails_as_a_whole_stores_none_of_its_writes_and_fails_each_of_them()
    {
        await using var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId);
        var keys = Enumerable.Range(0, 5).Select(i => $"whole-{i}").ToArray();
        var states = keys.ToDictionary(k => k, _ => StorageSilo.Fresh(""));
        foreach (var key in keys) await silo.Write(key, states[key], "first");
        var poison = "poison-" + ServiceId;
        await FailWritesOf(poison);

        Dictionary<string, Task> writes;
        await using (await HoldWrites(silo))
        {
            writes = keys.ToDictionary(k => k, k => silo.Write(k, states[k], "lost"));
            writes[poison] = silo.Write(poison, StorageSilo.Fresh(""), "refused");
        }

        foreach (var (key, write) in writes)
        {
            var error = await Assert.ThrowsAsync<StateWriteBatchException>(() => write.Within("write of " + key));
            Assert.Equal(writes.Count, error.BatchSize);
            Assert.Contains("injected failure of " + poison, error.InnerException!.Message);
        }
        Output.WriteLine($"batches: {string.Join(' ', silo.Batches)}; each write failed with {(await Record.ExceptionAsync(() => writes[keys[0]]))!.Message}");
        Assert.Contains(silo.Batches, size => size >= writes.Count);
        // Operators see each failed write (the cluster dashboard's storage errors).
        Assert.Equal(writes.Count, silo.WriteErrors);
        Assert.Null(await Raw(poison));
        foreach (var key in keys)
        {
            var stored = await silo.Read(key);
            Assert.Equal(["first"], stored.State);
            Assert.Equal("1", stored.ETag);
            // The grain's version is still the stored one: its next write goes through.
            Assert.Equal("1", states[key].ETag);
            await silo.Write(key, states[key], "again");
            Assert.Equal("2", states[key].ETag);
        }
    }

    /// <summary>A stored row's columns but its modification time (and service).</summary>
    protected sealed record Row(string Type, string Extension, long N0, long N1, long IdHash, long TypeHash, string Payload, long Version);

    private async Task<Row?> Raw(string key)
    {
        await using var connection = Storage(batchWrites: false).CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT GrainTypeString, GrainIdExtension, GrainIdN0, GrainIdN1, GrainIdHash, GrainTypeHash, PayloadBinary, Version
            FROM OrleansStorage WHERE ServiceId = @service AND GrainIdExtension = @key
            """;
        Parameters(command, ("service", ServiceId), ("key", key));
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        return new Row(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), Convert.ToInt64(reader.GetValue(4)),
            Convert.ToInt64(reader.GetValue(5)), Convert.ToHexString((byte[])reader.GetValue(6)), Convert.ToInt64(reader.GetValue(7)));
    }

    private async Task Delete(string key)
    {
        await using var connection = Storage(batchWrites: false).CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM OrleansStorage WHERE ServiceId = @service AND GrainIdExtension = @key";
        Parameters(command, ("service", ServiceId), ("key", key));
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static void Parameters(System.Data.Common.DbCommand command, params (string Name, object Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Runs <paramref name="release"/> when disposed; <see cref="Leader"/> is the leading write, if any.</summary>
    protected sealed class Held(Func<Task> release, Task? leader = null) : IAsyncDisposable
    {
        public Task? Leader => leader;

        public async ValueTask DisposeAsync() => await release();
    }
}

/// <summary>The batching tests on the embedded SQLite file (a fresh one per test).</summary>
public sealed class SqliteStateWriteBatchingTests(ITestOutputHelper output) : StateWriteBatchingTests(output), IDisposable
{
    private readonly TempDatabase _database = new();

    protected override StorageSettings Storage(bool batchWrites) => new() { SqlitePath = _database.Storage.SqlitePath, BatchWrites = batchWrites };

    protected override int DefaultRefreshPace => 16;

    /// <summary>Holds the silo's SQLite write gate: a batch takes its writes once it has the gate, so every write
    /// started meanwhile goes in the next batch.</summary>
    protected override async Task<IAsyncDisposable> HoldWrites(StorageSilo silo)
    {
        var gate = silo.Services.GetRequiredService<SqliteWriteGate>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = gate.Write(async () =>
        {
            entered.SetResult();
            await release.Task;
        });
        await entered.Task;
        return new Held(async () =>
        {
            release.SetResult();
            await held;
        });
    }

    protected override async Task FailWritesOf(string key)
    {
        await using var connection = Storage(batchWrites: false).CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var name = "fail_" + Guid.NewGuid().ToString("N");
        command.CommandText = $"""
            CREATE TRIGGER {name}_insert BEFORE INSERT ON OrleansStorage WHEN NEW.GrainIdExtension = '{key}'
            BEGIN SELECT RAISE(ABORT, 'injected failure of {key}'); END;
            CREATE TRIGGER {name}_update BEFORE UPDATE ON OrleansStorage WHEN NEW.GrainIdExtension = '{key}'
            BEGIN SELECT RAISE(ABORT, 'injected failure of {key}'); END;
            """;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose() => _database.Dispose();
}
