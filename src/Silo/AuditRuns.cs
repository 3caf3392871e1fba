using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Connects.Silo;

/// <summary>The latest audit's result per service (table ConnectsAuditRuns, see deploy/sql): the <c>audit</c> command
/// records it, every silo reads it for its metrics.</summary>
public sealed class AuditRuns(StorageSettings storage, SiloSettings silo)
{
    public void Record(int findings, DateTimeOffset finishedAt) => Execute("""
        INSERT INTO ConnectsAuditRuns (ServiceId, FinishedAtUnixMs, Findings) VALUES (@service, @at, @findings)
        ON CONFLICT (ServiceId) DO UPDATE SET FinishedAtUnixMs = excluded.FinishedAtUnixMs, Findings = excluded.Findings
        """, command =>
    {
        Add(command, "at", finishedAt.ToUnixTimeMilliseconds());
        Add(command, "findings", findings);
        command.ExecuteNonQuery();
        return (AuditObservation?)null;
    });

    public AuditObservation? Latest() => Execute("SELECT Findings, FinishedAtUnixMs FROM ConnectsAuditRuns WHERE ServiceId = @service", command =>
    {
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new AuditObservation(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)))
            : null;
    });

    private T Execute<T>(string sql, Func<DbCommand, T> run)
    {
        using var connection = storage.CreateConnection();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "service", silo.ServiceId);
        return run(command);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

/// <summary>Reads the latest audit's result every <see cref="ObservabilitySettings.AuditRefreshInterval"/> and publishes it
/// through <see cref="ConnectsMetrics.ObserveAudit"/>; a scrape never waits for the database.</summary>
public sealed partial class AuditMetrics(AuditRuns runs, ObservabilitySettings settings, ConnectsMetrics metrics, ILogger<AuditMetrics> logger)
    : BackgroundService
{
    private volatile AuditObservation? _latest;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveAudit(() => _latest);
        using var timer = new PeriodicTimer(settings.AuditRefreshInterval);
        do
        {
            try
            {
                _latest = await Task.Run(runs.Latest, stoppingToken);
            }
            catch (DbException ex)
            {
                LogReadFailed(logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the latest audit's result; the metrics keep the one read before")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
