using System.Data.Common;
using Connects.Domain;
using Connects.Grains;

namespace Connects.Silo;

/// <summary>
/// The events table ConnectsEvent (deploy/sql): inserts each ignored if its id is already there; reads by subject and
/// sequence. A job's events are kept under <see cref="JobEvents.StreamOf"/> (apart from any freelancer's) with their
/// status and prices in their own columns; their subject is the job id again when read. The events that wallets and jobs
/// record at the same moment share one transaction (<see cref="GroupCommit{T}"/>), so that recording costs a commit per
/// batch, not one per write: a first-of-the-month refresh on SQLite, one commit (one WAL sync) each, was held to about
/// 600 wallets a second by them. Background work's events commit in a lane of their own, beside the live calls' (as
/// grain-state writes do, docs/design.md): a job's answer waits for its events' commit, which must not queue behind a
/// refresh's. Each lane keeps its callers' order; the feed's order holds across lanes (see the reading below). On SQLite
/// the transaction takes the write gate like every other write (see <see cref="SqliteWriteGate"/>). Webhook delivery reads
/// it too (<see cref="IWebhookFeed"/>), after a cursor per endpoint.
/// </summary>
public sealed class EventStore : IEventStore, IWebhookFeed
{
    private const string Columns = "EventId, Subject, Sequence, Type, Time, Kind, Amount, BalanceAfter, Reference, Note, JobStatus, PriceBefore, PriceAfter";
    private const string JobPrefix = "job:";

    /// <summary>Events per transaction at most; a multi-row insert carries up to <see cref="RowsPerStatement"/> of them.</summary>
    public const int MaxBatch = 1000;
    private const int RowsPerStatement = 100;

    private readonly StorageSettings _storage;
    private readonly GroupCommit<ConnectsEvent> _live;
    private readonly GroupCommit<ConnectsEvent> _background;

    public EventStore(StorageSettings storage, SqliteWriteGate? gate)
    {
        _storage = storage;
        Func<IReadOnlyList<ConnectsEvent>, Task> insert = gate is null ? Insert : events => gate.Write(() => Insert(events));
        _live = new GroupCommit<ConnectsEvent>(insert, MaxBatch);
        _background = new GroupCommit<ConnectsEvent>(insert, MaxBatch);
    }

    /// <summary>Records <paramref name="events"/> in the next commit of their lane: background work's
    /// (<see cref="BackgroundWork"/>: a renewal cohort's refresh, whose thousands of events a second would otherwise fill
    /// every batch a submission's events wait for) or the live calls'.</summary>
    public Task Record(IReadOnlyList<ConnectsEvent> events) => (BackgroundWork.IsCurrent ? _background : _live).Commit(events);

    public async Task<long?> LastSequence(string subject)
    {
        await using var connection = _storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(Sequence) FROM ConnectsEvent WHERE Subject = @subject";
        Add(command, "subject", subject);
        var last = await command.ExecuteScalarAsync().ConfigureAwait(false);
        return last is null or DBNull ? null : Convert.ToInt64(last, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<ConnectsEvent>> Read(string subject, long after, int limit)
    {
        await using var connection = _storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM ConnectsEvent WHERE Subject = @subject AND Sequence > @after ORDER BY Sequence LIMIT @limit";
        Add(command, "subject", subject);
        Add(command, "after", after);
        Add(command, "limit", limit);
        var events = new List<ConnectsEvent>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false)) events.Add(EventAt(reader, 0));
        return events;
    }

    // Webhook delivery's reading (deploy/sql/*/…_webhook_delivery.sql): on PostgreSQL in the order the inserting
    // transactions finished, (TxId, Position), and only rows of transactions older than every one still running (below
    // the snapshot's xmin), so that no row can later appear behind a cursor that passed it; on SQLite, which writes one
    // transaction at a time, by Position alone.
    private const string RunningXmin = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    public async Task<FeedCursor> Head()
    {
        await using var connection = _storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = _storage.IsPostgreSql ? $"SELECT {RunningXmin}" : "SELECT COALESCE(MAX(Position), 0) FROM ConnectsEvent";
        var head = Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        // PostgreSQL: every row of a transaction below xmin is in; rows at or above it come after the cursor.
        return _storage.IsPostgreSql ? new FeedCursor(head - 1, long.MaxValue) : new FeedCursor(0, head);
    }

    public async Task<IReadOnlyList<FeedEvent>> Read(FeedCursor cursor, int limit)
    {
        await using var connection = _storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = _storage.IsPostgreSql
            // The limit inside, the xmin bound outside: an index scan in (TxId, Position) order that stops after the limit,
            // whatever the table's statistics say; the rows kept are the prefix below xmin.
            ? $"SELECT * FROM (SELECT TxId, Position, {Columns} FROM ConnectsEvent WHERE (TxId, Position) > (@tx, @position) ORDER BY TxId, Position LIMIT @limit) AS next WHERE TxId < {RunningXmin} ORDER BY TxId, Position"
            : $"SELECT 0, Position, {Columns} FROM ConnectsEvent WHERE Position > @position ORDER BY Position LIMIT @limit";
        Add(command, "tx", cursor.TxId);
        Add(command, "position", cursor.Position);
        Add(command, "limit", limit);
        var events = new List<FeedEvent>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
            events.Add(new FeedEvent(new FeedCursor(reader.GetInt64(0), reader.GetInt64(1)), EventAt(reader, 2)));
        return events;
    }

    public async Task<FeedCursor> Before(DateTimeOffset from)
    {
        await using (var connection = _storage.CreateConnection())
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = _storage.IsPostgreSql
                ? "SELECT TxId, Position FROM ConnectsEvent WHERE Time >= @from ORDER BY TxId, Position LIMIT 1"
                : "SELECT 0, Position FROM ConnectsEvent WHERE Time >= @from ORDER BY Position LIMIT 1";
            Add(command, "from", from.ToUniversalTime());
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            if (await reader.ReadAsync().ConfigureAwait(false)) return new FeedCursor(reader.GetInt64(0), reader.GetInt64(1) - 1);
        }
        return await Head().ConfigureAwait(false);
    }

    /// <summary>The event whose <see cref="Columns"/> start at column <paramref name="at"/>.</summary>
    private static ConnectsEvent EventAt(DbDataReader reader, int at)
    {
        var stream = reader.GetString(at + 1);
        var job = reader.IsDBNull(at + 10) ? null
            : new JobChange((JobStatus)reader.GetInt32(at + 10), reader.IsDBNull(at + 11) ? null : reader.GetInt32(at + 11), reader.IsDBNull(at + 12) ? null : reader.GetInt32(at + 12));
        return new ConnectsEvent(reader.GetString(at), reader.GetString(at + 3), job is null ? stream : stream[JobPrefix.Length..], reader.GetInt64(at + 2),
            reader.GetFieldValue<DateTimeOffset>(at + 4).ToUniversalTime(), (LedgerKind)reader.GetInt32(at + 5), reader.GetInt32(at + 6),
            reader.GetInt32(at + 7), reader.GetString(at + 8), reader.IsDBNull(at + 9) ? null : reader.GetString(at + 9), job);
    }

    private async Task Insert(IReadOnlyList<ConnectsEvent> events)
    {
        await using var connection = _storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        foreach (var rows in events.Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = new System.Text.StringBuilder();
            for (var i = 0; i < rows.Length; i++)
            {
                var e = rows[i];
                values.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"(@id{i}, @subject{i}, @sequence{i}, @type{i}, @time{i}, @kind{i}, @amount{i}, @balance{i}, @reference{i}, @note{i}, @status{i}, @before{i}, @after{i})");
                Add(command, $"id{i}", e.Id);
                Add(command, $"subject{i}", e.Job is null ? e.Subject : JobEvents.StreamOf(e.Subject));
                Add(command, $"sequence{i}", e.Sequence);
                Add(command, $"type{i}", e.Type);
                Add(command, $"time{i}", e.Time.ToUniversalTime());
                Add(command, $"kind{i}", (int)e.Kind);
                Add(command, $"amount{i}", e.Amount);
                Add(command, $"balance{i}", e.BalanceAfter);
                Add(command, $"reference{i}", e.Reference);
                Add(command, $"note{i}", (object?)e.Note ?? DBNull.Value);
                Add(command, $"status{i}", e.Job is { } job ? (object)(int)job.Status : DBNull.Value);
                Add(command, $"before{i}", (object?)e.Job?.PriceBefore ?? DBNull.Value);
                Add(command, $"after{i}", (object?)e.Job?.PriceAfter ?? DBNull.Value);
            }
            command.CommandText = $"INSERT INTO ConnectsEvent ({Columns}) VALUES {values} ON CONFLICT DO NOTHING";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
