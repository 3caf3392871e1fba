using System.Data.Common;
using Connects.Grains;

namespace Connects.Silo;

/// <summary>
/// The expiry notice roll in table ConnectsExpiryNotice (deploy/sql): inserts that ignore a row already there, reads by
/// key range, deletes by key. Due instants are whole Unix seconds. On SQLite the writes take the write gate like every
/// other write (see <see cref="SqliteWriteGate"/>).
/// </summary>
public sealed class ExpiryNoticeRoll(StorageSettings storage, SqliteWriteGate? gate) : IExpiryNoticeRoll
{
    public Task Enroll(DateTimeOffset dueAt, string freelancerId) =>
        Write("INSERT INTO ConnectsExpiryNotice (DueAt, FreelancerId) VALUES (@due, @freelancer) ON CONFLICT DO NOTHING",
            dueAt.ToUnixTimeSeconds(), freelancerId);

    public Task Remove(ExpiryNoticeDue entry) =>
        Write("DELETE FROM ConnectsExpiryNotice WHERE DueAt = @due AND FreelancerId = @freelancer",
            entry.DueAt.ToUnixTimeSeconds(), entry.FreelancerId);

    public async Task<IReadOnlyList<ExpiryNoticeDue>> Due(DateTimeOffset now, ExpiryNoticeDue? after, int count)
    {
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = after is null
            ? "SELECT DueAt, FreelancerId FROM ConnectsExpiryNotice WHERE DueAt <= @now ORDER BY DueAt, FreelancerId LIMIT @count"
            : "SELECT DueAt, FreelancerId FROM ConnectsExpiryNotice WHERE DueAt <= @now AND (DueAt > @due OR (DueAt = @due AND FreelancerId > @freelancer)) ORDER BY DueAt, FreelancerId LIMIT @count";
        Add(command, "now", now.ToUnixTimeSeconds());
        Add(command, "count", count);
        if (after is not null)
        {
            Add(command, "due", after.DueAt.ToUnixTimeSeconds());
            Add(command, "freelancer", after.FreelancerId);
        }
        var due = new List<ExpiryNoticeDue>(count);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
            due.Add(new ExpiryNoticeDue(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0)), reader.GetString(1)));
        return due;
    }

    private Task Write(string sql, long due, string freelancerId) =>
        gate is null ? Execute(sql, due, freelancerId) : gate.Write(() => Execute(sql, due, freelancerId));

    private async Task Execute(string sql, long due, string freelancerId)
    {
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "due", due);
        Add(command, "freelancer", freelancerId);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
