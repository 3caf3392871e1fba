using DbUp;
using DbUp.Engine.Output;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Connects.Silo;

/// <summary>
/// Applies the project's own SQL (deploy/sql/&lt;provider&gt;, embedded in this assembly) with DbUp. The
/// journal table (SchemaVersions) records what ran, so migrating twice or upgrading is safe.
/// </summary>
public sealed partial class DatabaseMigrator(StorageSettings storage, ILogger<DatabaseMigrator> logger)
{
    public IReadOnlyList<string> Migrate()
    {
        var path = Path.GetFullPath(storage.SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var connection = new SqliteConnection(storage.SqliteConnectionString))
        {
            connection.Open();
            using var wal = connection.CreateCommand();
            // WAL: readers never block the writer; with synchronous=FULL (the default) a commit is durable once acknowledged.
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        var upgrader = DeployChanges.To
            .SqliteDatabase(storage.SqliteConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name => name.Contains(".Sql.sqlite.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new UpgradeLog(logger))
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migrating {path} failed at {result.ErrorScript?.Name}.", result.Error);
        var applied = result.Scripts.Select(s => s.Name).ToList();
        LogMigrated(logger, path, applied.Count);
        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Path} is up to date ({Applied} scripts applied now)")]
    private static partial void LogMigrated(ILogger logger, string path, int applied);

    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => logger.LogInformation(format, args);
        public void LogWarning(string format, params object[] args) => logger.LogWarning(format, args);
        public void LogError(string format, params object[] args) => logger.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, format, args);
    }
}
