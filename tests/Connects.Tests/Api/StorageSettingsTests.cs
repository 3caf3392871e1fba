using Connects.Silo;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Connects.Tests.Api;

/// <summary>The connection string the providers get on PostgreSQL: no DISCARD ALL on reuse of a pooled connection
/// (its own statement, so a commit of its own per grain state read and write) and statements run again prepared, each
/// unless the operator says otherwise; and grain state writes batched unless the operator says otherwise.</summary>
public sealed class StorageSettingsTests
{
    private static StorageSettings Pg(string connectionString) => new() { Provider = StorageSettings.PostgreSql, ConnectionString = connectionString };

    [Fact]
    public void PostgreSql_connections_are_not_reset_on_close()
    {
        var effective = new NpgsqlConnectionStringBuilder(Pg("Host=db;Port=5433;Database=connects;Username=app;Password=p;Maximum Pool Size=50").EffectiveConnectionString);

        Assert.True(effective.NoResetOnClose);
        Assert.Equal(("db", 5433, "connects", "app", "p", 50),
            (effective.Host, effective.Port, effective.Database, effective.Username, effective.Password, effective.MaxPoolSize));
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("Host=db;noresetonclose=False")]
    public void An_explicit_No_Reset_On_Close_is_kept(string connectionString)
    {
        Assert.False(new NpgsqlConnectionStringBuilder(Pg(connectionString).EffectiveConnectionString).NoResetOnClose);
    }

    [Fact]
    public void PostgreSql_statements_run_again_are_prepared()
    {
        var effective = new NpgsqlConnectionStringBuilder(Pg("Host=db;Database=connects").EffectiveConnectionString);

        Assert.Equal(32, effective.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;maxautoprepare=5;No Reset On Close=false", 5)]
    public void An_explicit_Max_Auto_Prepare_is_kept(string connectionString, int expected)
    {
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(Pg(connectionString).EffectiveConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public void Grain_state_writes_are_batched_unless_configured_off()
    {
        Assert.True(new StorageSettings().BatchWrites);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Connects:Storage:BatchWrites"] = "false" })
            .Build();
        Assert.False(ConnectsHosting.Bind<StorageSettings>(configuration, StorageSettings.Section).BatchWrites);
    }

    [Fact]
    public void The_connection_string_follows_a_changed_setting()
    {
        var settings = Pg("Host=db-a;Database=connects");
        Assert.Equal("db-a", new NpgsqlConnectionStringBuilder(settings.EffectiveConnectionString).Host);

        settings.ConnectionString = "Host=db-b;Database=connects";
        Assert.Equal("db-b", new NpgsqlConnectionStringBuilder(settings.EffectiveConnectionString).Host);

        settings.Provider = StorageSettings.Sqlite;
        settings.SqlitePath = "/tmp/first.db";
        Assert.Contains("/tmp/first.db", settings.EffectiveConnectionString, StringComparison.Ordinal);
        settings.SqlitePath = "/tmp/second.db";
        Assert.Contains("/tmp/second.db", settings.EffectiveConnectionString, StringComparison.Ordinal);
        Assert.DoesNotContain("first", settings.EffectiveConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_connection_string_is_unchanged() =>
        Assert.DoesNotContain("Reset", new StorageSettings { SqlitePath = "/tmp/x.db" }.EffectiveConnectionString, StringComparison.OrdinalIgnoreCase);
}
