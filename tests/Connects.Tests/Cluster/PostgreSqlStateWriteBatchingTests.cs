using Connects.Domain;
using Connects.Silo;
using Connects.Tests.Storage;
using Connects.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Connects.Tests.Cluster;

/// <summary>A PostgreSQL server of its own (deploy/local/cluster.sh pg-up) with one migrated database for the batching
/// tests (each test its own service id). Fails, never skips, when the server cannot be started.</summary>
public sealed class PostgreSqlBatchingServer : IAsyncLifetime
{
    public const string Database = "batching";

    public LocalCluster Server { get; private set; } = null!;

    public StorageSettings Storage(bool batchWrites) => new()
    {
        Provider = StorageSettings.PostgreSql,
        ConnectionString = Server.ProductConnectionString(Database),
        BatchWrites = batchWrites,
    };

    public async Task<NpgsqlConnection> Open()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = Database }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task InitializeAsync()
    {
        Server = await LocalCluster.PostgreSqlOnly();
        new DatabaseMigrator(Storage(batchWrites: true), NullLogger<DatabaseMigrator>.Instance).Migrate();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Server.DisposeAsync();
    }
}

/// <summary>The batching tests (<see cref="StateWriteBatchingTests"/>) on PostgreSQL, where a batch is one NpgsqlBatch:
/// one round trip, one implicit transaction.</summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class PostgreSqlStateWriteBatchingTests(PostgreSqlBatchingServer server, ITestOutputHelper output)
    : StateWriteBatchingTests(output), IClassFixture<PostgreSqlBatchingServer>
{
    protected override StorageSettings Storage(bool batchWrites) => server.Storage(batchWrites);

    protected override int DefaultRefreshPace => 64;

    /// <summary>Locks the state table against writes (reads go on), starts a leading write and waits until its batch waits
    /// for the lock: the batcher is busy, so every write started meanwhile goes in the next batch.</summary>
    protected override async Task<IAsyncDisposable> HoldWrites(StorageSilo silo)
    {
        var holder = await server.Open();
        var transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE OrleansStorage IN EXCLUSIVE MODE", holder, transaction))
            await lockTable.ExecuteNonQueryAsync();
        var leader = silo.Write("leader-" + Guid.NewGuid().ToString("N"), StorageSilo.Fresh(""), "leader");
        await Eventually.Until(async () => await WaitingBatches() > 0, "the leading write's batch to wait for the table lock");
        return new Held(async () =>
        {
            await transaction.CommitAsync();
            await holder.DisposeAsync();
            if (!leader.IsFaulted) await leader.Within("the leading write");
        }, leader);
    }

    [Fact]
    public async Task A_batch_whose_connection_is_lost_stores_none_of_its_writes_and_fails_each_of_them()
    {
        await using var silo = await StorageSilo.Start(Storage(batchWrites: true), ServiceId);
        var keys = Enumerable.Range(0, 5).Select(i => $"lost-{i}").ToArray();
        var states = keys.ToDictionary(k => k, _ => StorageSilo.Fresh(""));
        foreach (var key in keys) await silo.Write(key, states[key], "first");

        Dictionary<string, Task> writes;
        await using (var held = (Held)await HoldWrites(silo))
        {
            writes = keys.ToDictionary(k => k, k => silo.Write(k, states[k], "lost"));
            writes["lost-new"] = silo.Write("lost-new", StorageSilo.Fresh(""), "lost");
            // The leading batch's connection goes first; then the next batch, these writes, waits for the lock in turn.
            Assert.Equal(1, await TerminateWaitingBatch());
            await Assert.ThrowsAsync<StateWriteBatchException>(() => held.Leader!.Within("the leading write"));
            await Eventually.Until(async () => await WaitingBatches() > 0, "the next batch to wait for the table lock");
            Assert.Equal(1, await TerminateWaitingBatch());
            foreach (var (key, write) in writes)
            {
                var error = await Assert.ThrowsAsync<StateWriteBatchException>(() => write.Within("write of " + key));
                Assert.Equal(writes.Count, error.BatchSize);
                Assert.IsAssignableFrom<NpgsqlException>(error.InnerException);
            }
        }

        Assert.Null((await silo.Read("lost-new")).ETag);
        foreach (var key in keys)
        {
            Assert.Equal(["first"], (await silo.Read(key)).State);
            await silo.Write(key, states[key], "again");
            Assert.Equal("2", states[key].ETag);
        }
    }

    [Fact]
    public async Task Background_works_events_commit_in_transactions_of_their_own_beside_live_events()
    {
        var store = new EventStore(server.Storage(batchWrites: true), gate: null);
        var run = ServiceId; // this test's subjects
        var live = Enumerable.Range(0, 100).Select(i => Event($"{run}-live-{i}")).ToArray();
        var background = Enumerable.Range(0, 100).Select(i => Event($"{run}-background-{i}")).ToArray();

        // Interleaved, all at once: while the first commit is in the database the rest wait, and without lanes the next
        // commit would carry both kinds.
        await Task.WhenAll(live.Zip(background).SelectMany(pair => new[]
        {
            store.Record([pair.First]),
            Task.Run(() => { BackgroundWork.Begin(); return store.Record([pair.Second]); }),
        })).Within("the events' commits");

        await using var connection = await server.Open();
        await using var command = new NpgsqlCommand(
            "SELECT TxId, bool_or(Subject LIKE '%-live-%'), bool_or(Subject LIKE '%-background-%'), count(*) FROM ConnectsEvent WHERE Subject LIKE @run GROUP BY TxId",
            connection);
        command.Parameters.AddWithValue("run", run + "-%");
        var transactions = new List<(long TxId, bool Live, bool Background, long Events)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) transactions.Add((reader.GetInt64(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetInt64(3)));

        Output.WriteLine(string.Join(' ', transactions.Select(t => $"{(t.Live ? "L" : "")}{(t.Background ? "B" : "")}{t.Events}")));
        Assert.Equal(live.Length + background.Length, transactions.Sum(t => t.Events));
        Assert.Contains(transactions, t => t.Events > 1); // they did wait and share commits
        Assert.All(transactions, t => Assert.False(t.Live && t.Background, $"transaction {t.TxId} carried both live and background events"));

        static ConnectsEvent Event(string subject) =>
            new($"{subject}/0", "connects.wallet.granted", subject, 0, DateTimeOffset.UtcNow, LedgerKind.Grant, 1, 1, "test", null);
    }

    private async Task<long> WaitingBatches()
    {
        await using var connection = await server.Open();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'orleansstorage'::regclass", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private async Task<int> TerminateWaitingBatch()
    {
        await using var connection = await server.Open();
        await using var terminate = new NpgsqlCommand(
            "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) FROM pg_locks WHERE NOT granted AND relation = 'orleansstorage'::regclass) AS t",
            connection);
        return (int)(await terminate.ExecuteScalarAsync())!;
    }

    protected override async Task FailWritesOf(string key)
    {
        await using var connection = await server.Open();
        var name = "fail_" + Guid.NewGuid().ToString("N");
        await using var command = new NpgsqlCommand($"""
            CREATE OR REPLACE FUNCTION connects_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected failure of %', NEW.GrainIdExtension; END $$;
            CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON OrleansStorage
            FOR EACH ROW WHEN (NEW.GrainIdExtension = '{key}') EXECUTE FUNCTION connects_test_fail();
            """, connection);
        await command.ExecuteNonQueryAsync();
    }
}
