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
/// 600 wallets a second by them. On SQLite the transaction takes the write gate like every other write (see
/// <see cref="SqliteWriteGate"/>).
/// </summary>
public sealed class EventStore : IEventStore
{
    private const string Columns = "EventId, Subject, Sequence, Type, Time, Kind, Amount, BalanceAfter, Reference, Note, JobStatus, PriceBefore, PriceAfter";
    private const string JobPrefix = "job:";

    /// <summary>Events per transaction at most; a multi-row insert carries up to <see cref="RowsPerStatement"/> of them.</summary>
    public const int MaxBatch = 1000;
    private const int RowsPerStatement = 100;

    private readonly StorageSettings _storage;
    private readonly GroupCommit<ConnectsEvent> _commits;

    public EventStore(StorageSettings storage, SqliteWriteGate? gate)
    {
        _storage = storage;
        _commits = new GroupCommit<ConnectsEvent>(gate is null ? Insert : events => gate.Write(() => Insert(events)), MaxBatch);
    }

    public Task Record(IReadOnlyList<ConnectsEvent> events) => _commits.Commit(events);

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
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var stream = reader.GetString(1);
            var job = reader.IsDBNull(10) ? null
                : new JobChange((JobStatus)reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetInt32(11), reader.IsDBNull(12) ? null : reader.GetInt32(12));
            events.Add(new ConnectsEvent(reader.GetString(0), reader.GetString(3), job is null ? stream : stream[JobPrefix.Length..], reader.GetInt64(2),
                reader.GetFieldValue<DateTimeOffset>(4).ToUniversalTime(), (LedgerKind)reader.GetInt32(5), reader.GetInt32(6),
                reader.GetInt32(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9), job));
        }
        return events;
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
