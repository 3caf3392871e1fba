using System.Data.Common;
using Connects.Domain;
using Connects.Grains;

namespace Connects.Silo;

/// <summary>
/// The events table ConnectsEvent (deploy/sql): one transaction inserts a subject's events, each ignored if its id is
/// already there; reads by subject and sequence. A job's events are kept under <see cref="JobEvents.StreamOf"/> (apart
/// from any freelancer's) with their status and prices in their own columns; their subject is the job id again when read. On SQLite the insert takes the write gate like every other write (see
/// <see cref="SqliteWriteGate"/>).
/// </summary>
public sealed class EventStore(StorageSettings storage, SqliteWriteGate? gate) : IEventStore
{
    private const string Columns = "EventId, Subject, Sequence, Type, Time, Kind, Amount, BalanceAfter, Reference, Note, JobStatus, PriceBefore, PriceAfter";
    private const string JobPrefix = "job:";

    public Task Record(IReadOnlyList<ConnectsEvent> events) =>
        events.Count == 0 ? Task.CompletedTask : gate is null ? Insert(events) : gate.Write(() => Insert(events));

    public async Task<long?> LastSequence(string subject)
    {
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(Sequence) FROM ConnectsEvent WHERE Subject = @subject";
        Add(command, "subject", subject);
        var last = await command.ExecuteScalarAsync().ConfigureAwait(false);
        return last is null or DBNull ? null : Convert.ToInt64(last, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<ConnectsEvent>> Read(string subject, long after, int limit)
    {
        await using var connection = storage.CreateConnection();
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
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        foreach (var e in events)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO ConnectsEvent ({Columns}) VALUES (@id, @subject, @sequence, @type, @time, @kind, @amount, @balance, @reference, @note, @status, @before, @after) ON CONFLICT DO NOTHING";
            Add(command, "id", e.Id);
            Add(command, "subject", e.Job is null ? e.Subject : JobEvents.StreamOf(e.Subject));
            Add(command, "sequence", e.Sequence);
            Add(command, "type", e.Type);
            Add(command, "time", e.Time.ToUniversalTime());
            Add(command, "kind", (int)e.Kind);
            Add(command, "amount", e.Amount);
            Add(command, "balance", e.BalanceAfter);
            Add(command, "reference", e.Reference);
            Add(command, "note", (object?)e.Note ?? DBNull.Value);
            Add(command, "status", e.Job is { } job ? (object)(int)job.Status : DBNull.Value);
            Add(command, "before", (object?)e.Job?.PriceBefore ?? DBNull.Value);
            Add(command, "after", (object?)e.Job?.PriceAfter ?? DBNull.Value);
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
