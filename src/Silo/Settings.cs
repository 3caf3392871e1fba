using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Connects.Silo;

/// <summary>Where state, reminders and (in a cluster) membership live. Section <c>Connects:Storage</c>.</summary>
public sealed class StorageSettings : IValidatableObject
{
    public const string Section = "Connects:Storage";
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary>The database: <c>sqlite</c> (embedded default) or <c>postgresql</c> (cluster).</summary>
    [Required] public string Provider { get; set; } = Sqlite;

    /// <summary>The SQLite file, created and migrated on first start.</summary>
    [Required] public string SqlitePath { get; set; } = "data/connects.db";

    /// <summary>The PostgreSQL connection string (Npgsql syntax), for <c>postgresql</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply the project's migrations at start-up (a journal makes it a no-op when up to date).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Carry the grain state writes that wait at one moment to the database together (group commit): one transaction,
    /// so one commit, for up to <see cref="StateWriteBatcher.MaxBatch"/> writes of different grains, and on PostgreSQL one
    /// round trip (an NpgsqlBatch); on SQLite one transaction under the silo's write gate. Each write keeps its own
    /// version check, so a version conflict fails only its own grain; an error of the batch as a whole (lost connection,
    /// a statement's error) fails every write in it and stores none. No timer: an idle silo's write goes at once.
    /// Orleans' ADO.NET grain storage stays the storage (same invariant, same stored queries, same rows): this only
    /// hands it a data source (<see cref="BatchingDataSource"/>) whose connections send the marked write statement to
    /// the batcher. Off: the plain provider on the connection string, reading and writing the very same rows. Reminders
    /// and cluster membership are never batched. Default on.
    /// </summary>
    public bool BatchWrites { get; set; } = true;

    public bool IsPostgreSql => string.Equals(Provider, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>Orleans' ADO.NET invariant name for the provider ("System.Data.SQLite" loads Microsoft.Data.Sqlite).</summary>
    public string Invariant => IsPostgreSql ? "Npgsql" : "System.Data.SQLite";

    /// <summary>
    /// The connection string every ADO.NET provider and the project's own SQL use. On PostgreSQL it adds two options,
    /// each unless the configured string sets it itself:
    /// <list type="bullet">
    /// <item><c>No Reset On Close=true</c>: otherwise Npgsql sends <c>DISCARD ALL</c> ahead of the next command each
    /// time a pooled connection is reused, a statement of its own and so a transaction of its own, which doubled the
    /// server's commit count (xact_commit) per grain state read and write (2.00 -> 1.00 per write, measured). Nothing
    /// here keeps other session state on a pooled connection (no SET, temporary tables or LISTEN; the migrator's
    /// advisory lock is on a connection of its own, not pooled), and Npgsql still rolls back a transaction left open
    /// when a connection returns to the pool.</item>
    /// <item><c>Max Auto Prepare=32</c>: Npgsql prepares, on each pooled connection, the statements it sees run again
    /// (the grain state write and read, the event inserts: a few dozen texts in all), so the server parses and plans
    /// each once per connection instead of once per call. The state write is a CTE of an update and an insert: planning
    /// it was most of the database's CPU per write (B3: 0.26 -> 0.05 ms of PostgreSQL CPU per write, S1: 0.90 -> 0.31 ms
    /// per submission, bench 2026-12-03, docs/performance.md). <c>Max Auto Prepare=0</c> in the configured string turns
    /// it off (for a pooler in transaction mode that cannot keep prepared statements).</item>
    /// </list>
    /// <para>Worked out once per configured value and kept: every storage operation opens a connection on it, and
    /// parsing the string again each time took about 5 % of a loaded silo's CPU in S1 (dotnet-trace, 2026-12-02).</para>
    /// </summary>
    public string EffectiveConnectionString
    {
        get
        {
            var effective = _effective;
            if (effective is null || !effective.IsFor(Provider, SqlitePath, ConnectionString))
                _effective = effective = new EffectiveStore(Provider, SqlitePath, ConnectionString, IsPostgreSql
                    ? WithPostgreSqlDefaults(ConnectionString!)
                    : $"Data Source={Path.GetFullPath(SqlitePath)};Pooling=True;Default Timeout=30");
            return effective.ConnectionString;
        }
    }

    private EffectiveStore? _effective;

    /// <summary>The connection string worked out from these settings (replaced whole, so a reader never sees half of it).</summary>
    private sealed record EffectiveStore(string Provider, string SqlitePath, string? Given, string ConnectionString)
    {
        public bool IsFor(string provider, string sqlitePath, string? given) =>
            string.Equals(Provider, provider, StringComparison.Ordinal)
            && string.Equals(SqlitePath, sqlitePath, StringComparison.Ordinal)
            && string.Equals(Given, given, StringComparison.Ordinal);
    }

    private static string WithPostgreSqlDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool SetByOperator(string option) => given.Keys.Cast<string>()
            .Any(k => string.Equals(k.Replace(" ", "", StringComparison.Ordinal), option, StringComparison.OrdinalIgnoreCase));
        var effective = new NpgsqlConnectionStringBuilder(connectionString);
        if (!SetByOperator(nameof(effective.NoResetOnClose))) effective.NoResetOnClose = true;
        if (!SetByOperator(nameof(effective.MaxAutoPrepare))) effective.MaxAutoPrepare = 32;
        return effective.ConnectionString;
    }

    /// <summary>A connection for the project's own SQL (migrations, the sandbox clock, health).</summary>
    public DbConnection CreateConnection() => IsPostgreSql
        ? new NpgsqlConnection(EffectiveConnectionString)
        : new SqliteConnection(EffectiveConnectionString);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsPostgreSql && !string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"Connects:Storage:Provider '{Provider}' is not supported; use 'sqlite' or 'postgresql'.", [nameof(Provider)]);
        if (IsPostgreSql && string.IsNullOrWhiteSpace(ConnectionString))
            yield return new ValidationResult("Connects:Storage:ConnectionString is required for postgresql.", [nameof(ConnectionString)]);
    }
}

/// <summary>The silo's place in its cluster. Section <c>Connects:Silo</c>.</summary>
public sealed class SiloSettings : IValidatableObject
{
    public const string Section = "Connects:Silo";
    public const string Localhost = "localhost";
    public const string AdoNet = "adonet";

    /// <summary><c>localhost</c>: one silo, no membership table (embedded default). <c>adonet</c>: membership in the database.</summary>
    [Required] public string Clustering { get; set; } = Localhost;
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")] public string ClusterId { get; set; } = "connects";
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")] public string ServiceId { get; set; } = "connects";
    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo on (and the one it listens on).
    /// Empty: the host's own address is looked up.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Move activations that are already active from the silos that hold the most to those that hold the fewest
    /// (Orleans' activation rebalancer), so that a silo added at a spike takes load from the wallets and jobs already
    /// active, not only from new activations. Tuned to act within a minute or two of a silo joining (see
    /// <see cref="ConnectsHosting.AddConnectsRebalancer"/>; <c>Orleans:ActivationRebalancer:*</c> overrides). Only with
    /// <c>adonet</c> clustering: one silo has nothing to balance. Default on.
    /// </summary>
    public bool RebalanceActivations { get; set; } = true;

    public bool UsesMembershipTable => string.Equals(Clustering, AdoNet, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!UsesMembershipTable && !string.Equals(Clustering, Localhost, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"Connects:Silo:Clustering '{Clustering}' is not supported; use 'localhost' or 'adonet'.", [nameof(Clustering)]);
        if (!string.IsNullOrEmpty(AdvertisedAddress) && !IPAddress.TryParse(AdvertisedAddress, out _))
            yield return new ValidationResult("Connects:Silo:AdvertisedAddress must be an IP address.", [nameof(AdvertisedAddress)]);
    }
}

/// <summary>The sandbox clock (like a billing test clock). Section <c>Connects:Sandbox</c>.</summary>
public sealed class SandboxSettings
{
    public const string Section = "Connects:Sandbox";

    /// <summary>Expose <c>/v1/sandbox/clock</c> and let it move the service's time forward.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often a process re-reads the shared offset (other processes of a cluster may have moved it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")] public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
