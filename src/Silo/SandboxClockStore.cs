using System.Data.Common;

namespace Connects.Silo;

/// <summary>Reads and moves the sandbox clock's offset (table ConnectsSandboxClock, see deploy/sql).</summary>
public sealed class SandboxClockStore(StorageSettings storage)
{
    public TimeSpan Load() => Execute("SELECT OffsetTicks FROM ConnectsSandboxClock WHERE Id = 1", null);

    /// <summary>Moves the offset forward atomically and returns the new offset.</summary>
    public TimeSpan AdvanceBy(TimeSpan by) =>
        Execute("UPDATE ConnectsSandboxClock SET OffsetTicks = OffsetTicks + @by WHERE Id = 1 RETURNING OffsetTicks", by.Ticks);

    private TimeSpan Execute(string sql, long? by)
    {
        using var connection = storage.CreateConnection();
        connection.Open();
        using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        if (by is { } ticks)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "by";
            parameter.Value = ticks;
            command.Parameters.Add(parameter);
        }
        return TimeSpan.FromTicks(Convert.ToInt64(command.ExecuteScalar() ?? 0L));
    }
}
