using System.Data.Common;
using Connects.Domain;
using Connects.Grains;

namespace Connects.Silo;

/// <summary>
/// The renewal roll in table ConnectsRenewalCohort (deploy/sql): an insert that ignores a row already there, and reads
/// by key range. On SQLite the insert takes the write gate like every other write (see <see cref="SqliteWriteGate"/>).
/// </summary>
public sealed class RenewalRoll(StorageSettings storage, SqliteWriteGate? gate) : IRenewalRoll
{
    public Task Enroll(RenewalDay day, string freelancerId) =>
        gate is null ? Insert(day, freelancerId) : gate.Write(() => Insert(day, freelancerId));

    public async Task<IReadOnlyList<string>> Members(RenewalDay day, string? after, int count)
    {
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = after is null
            ? "SELECT FreelancerId FROM ConnectsRenewalCohort WHERE RenewalDay = @day ORDER BY FreelancerId LIMIT @count"
            : "SELECT FreelancerId FROM ConnectsRenewalCohort WHERE RenewalDay = @day AND FreelancerId > @after ORDER BY FreelancerId LIMIT @count";
        Add(command, "day", day.Day);
        Add(command, "count", count);
        if (after is not null) Add(command, "after", after);
        var members = new List<string>(count);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false)) members.Add(reader.GetString(0));
        return members;
    }

    private async Task Insert(RenewalDay day, string freelancerId)
    {
        await using var connection = storage.CreateConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO ConnectsRenewalCohort (RenewalDay, FreelancerId) VALUES (@day, @freelancer) ON CONFLICT DO NOTHING";
        Add(command, "day", day.Day);
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
