using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Connects.Silo;

namespace Connects.Api;

/// <summary>
/// Tells the API at once when membership declares a silo dead, so that a call waiting on that silo is abandoned and
/// retried (see <see cref="ClusterRetry"/>) instead of waiting out the response timeout. An Orleans client has no
/// membership view of its own: this reads the membership table (a one-row version check every
/// <see cref="ApiClusterSettings.MembershipPollInterval"/>, the silo rows only when it moved). In the embedded default
/// the API is the only silo and nothing is watched.
/// </summary>
public sealed partial class SiloDeathWatch(StorageSettings storage, SiloSettings silo, ApiClusterSettings settings, TimeProvider time,
    ILogger<SiloDeathWatch> logger) : BackgroundService, ISiloDeaths
{
    private CancellationTokenSource _deaths = new();

    /// <summary>Cancelled when a silo is declared dead after this token was taken.</summary>
    public CancellationToken NextDeath => Volatile.Read(ref _deaths).Token;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<string>? dead = null;
        long? version = null;
        var failing = false;
        using var timer = new PeriodicTimer(settings.MembershipPollInterval, time);
        do
        {
            try
            {
                await using var connection = storage.CreateConnection();
                await connection.OpenAsync(stoppingToken);
                var current = await Scalar(connection, "SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @cluster", stoppingToken);
                if (failing) LogPollRecovered(logger);
                failing = false;
                if (current == version) continue;
                version = current;
                var now = await DeadSilos(connection, stoppingToken);
                var newlyDead = dead is null ? [] : now.Except(dead).ToList();
                dead = now;
                if (newlyDead.Count == 0) continue;
                LogDeclaredDead(logger, string.Join(", ", newlyDead));
                var tripped = Interlocked.Exchange(ref _deaths, new CancellationTokenSource());
                await tripped.CancelAsync();
                tripped.Dispose();
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
            {
                // Once per outage, not at every poll.
                if (!failing) LogPollFailed(logger, ex);
                failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<long?> Scalar(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql);
        return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value) : null;
    }

    private async Task<HashSet<string>> DeadSilos(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT Address, Port, Generation FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Status = 6");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var dead = new HashSet<string>();
        while (await reader.ReadAsync(cancellationToken)) dead.Add($"{reader.GetString(0)}:{reader.GetInt32(1)}@{reader.GetInt32(2)}");
        return dead;
    }

    private DbCommand Command(DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var cluster = command.CreateParameter();
        cluster.ParameterName = "cluster";
        cluster.Value = silo.ClusterId;
        command.Parameters.Add(cluster);
        return command;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Membership declared silo(s) {Silos} dead: calls waiting on the cluster are retried now")]
    private static partial void LogDeclaredDead(ILogger logger, string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read cluster membership; a dead silo's calls wait for the response timeout until it answers")]
    private static partial void LogPollFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster membership answers again")]
    private static partial void LogPollRecovered(ILogger logger);
}

/// <summary>News of silos declared dead: a token taken now is cancelled by the next death.</summary>
public interface ISiloDeaths
{
    CancellationToken NextDeath { get; }
}

/// <summary>The API as a client of a cluster. Section <c>Connects:Api</c>.</summary>
public sealed class ApiClusterSettings
{
    public const string Section = "Connects:Api";

    /// <summary><c>embedded</c> (co-hosts the silo on SQLite, the default) or <c>client</c> (of a cluster on PostgreSQL).</summary>
    [Required, RegularExpression("^(?i)(embedded|client)$", ErrorMessage = "Connects:Api:Mode must be 'embedded' or 'client'.")]
    public string Mode { get; set; } = "embedded";

    /// <summary>How often a client API checks membership for a silo declared dead (one one-row query each time).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan MembershipPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public bool IsClient => string.Equals(Mode, "client", StringComparison.OrdinalIgnoreCase);
}
