using System.ComponentModel.DataAnnotations;

namespace Connects.Silo;

/// <summary>Where state, reminders (and later membership) live. Section <c>Connects:Storage</c>.</summary>
public sealed class StorageSettings : IValidatableObject
{
    public const string Section = "Connects:Storage";
    public const string Sqlite = "sqlite";

    /// <summary>The database: <c>sqlite</c> (embedded default).</summary>
    [Required] public string Provider { get; set; } = Sqlite;

    /// <summary>The SQLite file, created and migrated on first start.</summary>
    [Required] public string SqlitePath { get; set; } = "data/connects.db";

    /// <summary>Apply the project's migrations at start-up (a journal makes it a no-op when up to date).</summary>
    public bool MigrateOnStart { get; set; } = true;

    public string SqliteConnectionString =>
        $"Data Source={Path.GetFullPath(SqlitePath)};Pooling=True;Default Timeout=30";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"Connects:Storage:Provider '{Provider}' is not supported; use 'sqlite'.", [nameof(Provider)]);
    }
}

/// <summary>The silo's place in its cluster. Section <c>Connects:Silo</c>.</summary>
public sealed class SiloSettings
{
    public const string Section = "Connects:Silo";

    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")] public string ClusterId { get; set; } = "connects";
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,64}$")] public string ServiceId { get; set; } = "connects";
    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;
}

/// <summary>The sandbox clock (like a billing test clock). Section <c>Connects:Sandbox</c>.</summary>
public sealed class SandboxSettings
{
    public const string Section = "Connects:Sandbox";

    /// <summary>Expose <c>/v1/sandbox/clock</c> and let it move the service's time forward.</summary>
    public bool Enabled { get; set; }
}
