using Microsoft.Data.Sqlite;

namespace Connects.Silo;

/// <summary>Reads and writes the sandbox clock's offset (table ConnectsSandboxClock, see deploy/sql).</summary>
public sealed class SandboxClockStore(StorageSettings storage)
{
    public TimeSpan Load()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT OffsetTicks FROM ConnectsSandboxClock WHERE Id = 1";
        return TimeSpan.FromTicks(Convert.ToInt64(command.ExecuteScalar() ?? 0L));
    }

    public void Save(TimeSpan offset)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE ConnectsSandboxClock SET OffsetTicks = @ticks WHERE Id = 1";
        command.Parameters.AddWithValue("@ticks", offset.Ticks);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(storage.SqliteConnectionString);
        connection.Open();
        return connection;
    }
}
