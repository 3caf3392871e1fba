using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Connects.Silo;

/// <summary>
/// Group commit for grain state writes: the writes that wait while a batch is in the database go together in the next
/// batch, up to <see cref="MaxBatch"/>: one transaction (one commit) for all of them, and on PostgreSQL one round trip.
/// There is no timer: an idle silo's write starts a batch of one at once, so batching adds no latency; a loaded silo's
/// writes wait for the batch in flight, about one write's time, and then share a commit.
/// <para>
/// Two lanes, each with its own queue and one batch in flight at a time: live writes, and the writes of background
/// work (<see cref="BackgroundWork"/>: a renewal cohort refreshing its wallets, the expiry notices' pass). A live write
/// never waits behind a batch of background writes: on PostgreSQL the two lanes' batches run side by side on their own
/// connections; on SQLite they take turns at the one write gate, a live batch waiting for at most the one background
/// batch holding it.
/// </para>
/// <para>
/// Each write is the project's own write statement (WriteToStorageKey, marked batchable) with its own parameters, as
/// Orleans' ADO.NET grain storage built it; each gets back its own result sets (its new version, or no row for a version
/// conflict of its own grain), so Orleans decides success or <c>InconsistentStateException</c> per grain exactly as with
/// the plain provider. A batch that fails as a whole (lost connection, a statement's error, a failed commit) fails every
/// write in it (a <see cref="StateWriteBatchException"/> each, the batch's error inside), and, being one transaction,
/// stores none of them; only a connection lost while the commit is answered leaves them all in doubt together (stored
/// or not), the doubt a plain write has for its one grain.
/// </para>
/// </summary>
public sealed partial class StateWriteBatcher
{
    /// <summary>The most writes one batch carries: big enough to fold a load's writes into a few commits, small enough
    /// that one batch's statements stay a short transaction.</summary>
    public const int MaxBatch = 128;

    private readonly Lane _live;
    private readonly Lane _background;

    public StateWriteBatcher(StorageSettings storage, SqliteWriteGate? gate, ConnectsMetrics metrics, ILogger<StateWriteBatcher> logger)
    {
        BatchStore store = storage.IsPostgreSql
            ? new PostgreSqlBatchStore(storage.EffectiveConnectionString)
            : new SqliteBatchStore(storage.EffectiveConnectionString, gate ?? throw new ArgumentNullException(nameof(gate)));
        _live = new Lane(store, background: false, metrics, logger);
        _background = new Lane(store, background: true, metrics, logger);
    }

    /// <summary>Runs <paramref name="text"/> with a copy of <paramref name="parameters"/> in the next batch of its lane
    /// (background work's, or the live writes') and answers its result sets. A cancellation while the write still waits for
    /// its batch withdraws it; once its batch has started it runs to the end, whatever the token says.</summary>
    public Task<DbDataReader> Write(string text, DbParameterCollection parameters, CancellationToken cancellationToken) =>
        (BackgroundWork.IsCurrent ? _background : _live).Write(text, parameters, cancellationToken);

    /// <summary>One queue of writes and the one batch of it in flight at a time.</summary>
    private sealed class Lane(BatchStore store, bool background, ConnectsMetrics metrics, ILogger logger)
    {
        private readonly Lock _lock = new();
        private readonly Queue<StateWrite> _queue = new();
        private bool _draining;

        public Task<DbDataReader> Write(string text, DbParameterCollection parameters, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var write = new StateWrite(text, parameters.Cast<DbParameter>().Select(StateWriteParameter.Of).ToArray());
            if (cancellationToken.CanBeCanceled)
                write.Registration = cancellationToken.Register(() => Withdraw(write, cancellationToken), useSynchronizationContext: false);
            bool start;
            lock (_lock)
            {
                _queue.Enqueue(write);
                start = !_draining;
                _draining = true;
            }
            // Off the caller's scheduler (a grain's): the batch's work and its continuations run on the thread pool.
            if (start) _ = Task.Run(Drain, CancellationToken.None); // the drain serves every caller: no one caller cancels it
            return write.Completion.Task;
        }

        private void Withdraw(StateWrite write, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (write.Taken) return;
                write.Withdrawn = true;
            }
            write.Completion.TrySetCanceled(cancellationToken);
        }

        /// <summary>Runs batches while writes wait; the one drainer at a time (see <see cref="_draining"/>).</summary>
        private async Task Drain()
        {
            while (true)
            {
                List<StateWrite>? batch = null;
                List<StateWrite> Take() => batch ??= TakeBatch();
                try
                {
                    var results = await store.Run(Take).ConfigureAwait(false);
                    var taken = Take();
                    if (taken.Count > 0) metrics.StateWriteBatch(taken.Count, background);
                    for (var i = 0; i < taken.Count; i++) taken[i].Succeed(results[i]);
                }
                catch (Exception ex)
                {
                    // Also when the store failed before it took a batch (the database is unreachable): the writes waiting
                    // hear it now, as each would have from the plain provider, instead of waiting for a database that may not come.
                    var sent = batch is not null;
                    var failed = Take();
                    if (sent && failed.Count > 0) metrics.StateWriteBatch(failed.Count, background);
                    metrics.StateWritesFailed(failed.Count);
                    if (failed.Count > 0) LogBatchFailed(logger, ex, failed.Count);
                    // An exception of its own for each write (its grain logs and rethrows it), the batch's error inside.
                    foreach (var write in failed) write.Fail(new StateWriteBatchException(failed.Count, ex));
                }
                lock (_lock)
                {
                    if (_queue.Count == 0)
                    {
                        _draining = false;
                        return;
                    }
                }
            }
        }

        private List<StateWrite> TakeBatch()
        {
            var batch = new List<StateWrite>(Math.Min(MaxBatch, 16));
            lock (_lock)
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var write))
                {
                    if (write.Withdrawn) continue;
                    write.Taken = true;
                    batch.Add(write);
                }
            }
            return batch;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} grain state writes failed as a whole: one transaction, so none of them was stored (unless the connection was lost after its commit: then all were); each of their grains hears the error")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    /// <summary>One waiting write: the statement, a copy of its parameters and whoever waits for its result.</summary>
    private sealed class StateWrite(string text, StateWriteParameter[] parameters)
    {
        public string Text { get; } = text;
        public StateWriteParameter[] Parameters { get; } = parameters;
        public TaskCompletionSource<DbDataReader> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>In a batch (guarded by the batcher's lock): a cancellation no longer withdraws it.</summary>
        public bool Taken { get; set; }

        /// <summary>Cancelled while waiting (guarded by the batcher's lock): no batch takes it.</summary>
        public bool Withdrawn { get; set; }

        public void Succeed(StateWriteAnswer.ResultSet[] results)
        {
            Registration.Dispose();
            Completion.TrySetResult(StateWriteAnswer.Of(results));
        }

        public void Fail(Exception exception)
        {
            Registration.Dispose();
            Completion.TrySetException(exception);
        }
    }

    /// <summary>A parameter as Orleans set it (name, value, type, direction, size), to be set again on the batch's command.</summary>
    private sealed record StateWriteParameter(string Name, object? Value, DbType Type, ParameterDirection Direction, int Size)
    {
        public static StateWriteParameter Of(DbParameter p) => new(p.ParameterName, p.Value, p.DbType, p.Direction, p.Size);

        public void AddTo(DbParameterCollection parameters, DbParameter parameter)
        {
            parameter.ParameterName = Name;
            parameter.Value = Value;
            parameter.DbType = Type;
            parameter.Direction = Direction;
            if (Size != 0) parameter.Size = Size;
            parameters.Add(parameter);
        }
    }

    /// <summary>Where a batch runs: <see cref="Run"/> gets ready (a connection, the write gate), then takes the batch (the
    /// writes that arrived meanwhile come along) and answers each write's result sets in the batch's order.</summary>
    private abstract class BatchStore
    {
        public abstract Task<IReadOnlyList<StateWriteAnswer.ResultSet[]>> Run(Func<List<StateWrite>> take);
    }

    /// <summary>
    /// PostgreSQL: the batch's statements go as one <see cref="NpgsqlBatch"/>: one round trip, and one implicit
    /// transaction (Npgsql sends one Sync at the end; no error barriers): an error in any statement skips the rest and
    /// rolls back the others, and the server commits once, after the last. Every result set is read, and the reader read
    /// to its end (where a failed commit would be reported), before any write is answered.
    /// </summary>
    private sealed class PostgreSqlBatchStore(string connectionString) : BatchStore
    {
        public override async Task<IReadOnlyList<StateWriteAnswer.ResultSet[]>> Run(Func<List<StateWrite>> take)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            var writes = take();
            if (writes.Count == 0) return [];
            await using var batch = new NpgsqlBatch(connection);
            foreach (var write in writes)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = write.Text;
                foreach (var parameter in write.Parameters) parameter.AddTo(command.Parameters, command.CreateParameter());
                batch.BatchCommands.Add(command);
            }
            var results = new List<StateWriteAnswer.ResultSet[]>(writes.Count);
            await using (var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false))
            {
                for (var i = 0; i < writes.Count; i++)
                {
                    if (i > 0 && !await reader.NextResultAsync().ConfigureAwait(false))
                        throw new InvalidOperationException($"The batch of {writes.Count} grain state writes answered {i} result sets: each write must answer one.");
                    results.Add([await StateWriteAnswer.ReadResultSet(reader).ConfigureAwait(false)]);
                }
                while (await reader.NextResultAsync().ConfigureAwait(false))
                {
                    // Read to the end: the server's answer to the commit comes last.
                }
            }
            return results;
        }
    }

    /// <summary>
    /// SQLite: the batch's writes run one after the other in one transaction on one connection, under the silo's
    /// <see cref="SqliteWriteGate"/> (taken per batch, as a plain write takes it per write): one commit, so one WAL sync,
    /// for the lot. Microsoft.Data.Sqlite is synchronous; this runs on the thread pool, not on a grain's thread.
    /// </summary>
    private sealed class SqliteBatchStore(string connectionString, SqliteWriteGate gate) : BatchStore
    {
        public override Task<IReadOnlyList<StateWriteAnswer.ResultSet[]>> Run(Func<List<StateWrite>> take) => gate.Write(async () =>
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            var writes = take();
            if (writes.Count == 0) return (IReadOnlyList<StateWriteAnswer.ResultSet[]>)[];
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            var results = new List<StateWriteAnswer.ResultSet[]>(writes.Count);
            foreach (var write in writes)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = (SqliteTransaction)transaction;
                command.CommandText = write.Text;
                foreach (var parameter in write.Parameters) parameter.AddTo(command.Parameters, command.CreateParameter());
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                var sets = new List<StateWriteAnswer.ResultSet>(1);
                do sets.Add(await StateWriteAnswer.ReadResultSet(reader).ConfigureAwait(false));
                while (await reader.NextResultAsync().ConfigureAwait(false));
                results.Add([.. sets]);
            }
            await transaction.CommitAsync().ConfigureAwait(false);
            return results;
        });
    }
}

/// <summary>
/// A grain state write failed because the batch it was in failed as a whole (<see cref="Exception.InnerException"/>: the
/// batch's error, such as the database's error for one of its statements, or a lost connection): it was not stored,
/// and neither was any other write of that batch (one transaction), unless the connection was lost after the commit,
/// when all of them were. A <see cref="DbException"/>, as the plain provider's error would be.
/// </summary>
public sealed class StateWriteBatchException(int batchSize, Exception batchError) : DbException(
    $"A batch of {batchSize} grain state writes (one transaction) failed as a whole, so this write was not stored " +
    $"(unless the connection was lost after the batch's commit): {batchError.Message}", batchError)
{
    public int BatchSize { get; } = batchSize;

    public override bool IsTransient => InnerException is DbException { IsTransient: true };
}

