using System.Globalization;
using DbUp;
using DbUp.Builder;
using DbUp.Engine.Output;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Connects.Silo;

/// <summary>
/// Applies the project's own SQL (deploy/sql/&lt;provider&gt;, embedded in this assembly) with DbUp. The
/// journal table (SchemaVersions) records what ran, so migrating twice or upgrading is safe. On
/// PostgreSQL the database is created if missing and migrators of several processes take turns
/// (an advisory lock), so every silo may migrate on start.
/// </summary>
public sealed partial class DatabaseMigrator(StorageSettings storage, ILogger<DatabaseMigrator> logger)
{
    private const long MigrationLock = 0x436F6E6E65637473; // "Connects"

    public IReadOnlyList<string> Migrate() => storage.IsPostgreSql ? MigratePostgreSql() : MigrateSqlite();

    private List<string> MigrateSqlite()
    {
        var path = Path.GetFullPath(storage.SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var connection = new SqliteConnection(storage.EffectiveConnectionString))
        {
            connection.Open();
            using var wal = connection.CreateCommand();
            // WAL: readers never block the writer; with synchronous=FULL (the default) a commit is durable once acknowledged.
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        return Run(DeployChanges.To.SqliteDatabase(storage.EffectiveConnectionString), "sqlite", path);
    }

    private List<string> MigratePostgreSql()
    {
        var connectionString = storage.EffectiveConnectionString;
        EnsureDatabase.For.PostgresqlDatabase(connectionString, new UpgradeLog(logger));
        // Not pooled: the session-level advisory lock ends with this session whatever happens, even though pooled
        // connections are not reset on close (No Reset On Close, see StorageSettings.EffectiveConnectionString).
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock})", connection)) take.ExecuteNonQuery();
        try
        {
            return Run(DeployChanges.To.PostgresqlDatabase(connectionString), "postgresql", connection.Database);
        }
        finally
        {
            using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLock})", connection);
            release.ExecuteNonQuery();
        }
    }

    private List<string> Run(UpgradeEngineBuilder builder, string folder, string database)
    {
        var upgrader = builder
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name => name.Contains($".Sql.{folder}.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(new UpgradeLog(logger))
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migrating {database} failed at {result.ErrorScript?.Name}.", result.Error);
        var applied = result.Scripts.Select(s => s.Name).ToList();
        LogMigrated(logger, database, applied.Count);
        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Database} is up to date ({Applied} scripts applied now)")]
    private static partial void LogMigrated(ILogger logger, string database, int applied);

    /// <summary>DbUp's messages, which are composite format strings ("{0}"), not message templates: formatted here and
    /// logged as one message. DbUp's information (a line per script) is logged at Debug.</summary>
    private sealed partial class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => Write(LogLevel.Trace, null, format, args);
        public void LogDebug(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);
        public void LogInformation(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);
        public void LogWarning(string format, params object[] args) => Write(LogLevel.Warning, null, format, args);
        public void LogError(string format, params object[] args) => Write(LogLevel.Error, null, format, args);
        public void LogError(Exception ex, string format, params object[] args) => Write(LogLevel.Error, ex, format, args);

        private void Write(LogLevel level, Exception? ex, string format, object[] args)
        {
            if (!logger.IsEnabled(level)) return;
            LogDbUp(logger, level, ex, args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args));
        }

        [LoggerMessage(Message = "{Message}")]
        private static partial void LogDbUp(ILogger logger, LogLevel level, Exception? ex, string message);
    }
}
