using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace Connects.Silo;

/// <summary>What operators see: OpenTelemetry metrics (Orleans' meters and the project's) on a Prometheus
/// scrape endpoint, and the Orleans Dashboard. Section <c>Connects:Observability</c>.</summary>
public sealed class ObservabilitySettings
{
    public const string Section = "Connects:Observability";

    /// <summary>Serve the Orleans Dashboard at <c>/dashboard</c> (it profiles every grain call).</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>.</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>How often a silo re-reads the latest audit's result (written by the <c>audit</c> command) for its metrics.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AuditRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public static class Observability
{
    public const string OrleansMeter = "Microsoft.Orleans";

    public static ObservabilitySettings AddConnectsObservability(this IHostApplicationBuilder builder)
    {
        var settings = ConnectsHosting.Bind<ObservabilitySettings>(builder.Configuration, ObservabilitySettings.Section);
        builder.Services.AddSingleton(settings);
        if (settings.Metrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(ConnectsMetrics.MeterName, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        }
        return settings;
    }

    public static void AddConnectsDashboard(this ISiloBuilder silo, ObservabilitySettings settings)
    {
        if (settings.Dashboard) silo.AddDashboard();
    }

    public static void AddConnectsDashboard(this IClientBuilder client, ObservabilitySettings settings)
    {
        if (settings.Dashboard) client.AddDashboard();
    }

    /// <summary>Maps /metrics and /dashboard; <paramref name="protect"/> adds the host's authorization to both.</summary>
    public static WebApplication MapConnectsObservability(this WebApplication app, Action<IEndpointConventionBuilder>? protect = null)
    {
        var settings = app.Services.GetRequiredService<ObservabilitySettings>();
        var endpoints = new List<IEndpointConventionBuilder>();
        if (settings.Metrics) endpoints.Add(app.MapPrometheusScrapingEndpoint("/metrics"));
        if (settings.Dashboard) endpoints.Add(app.MapOrleansDashboard(routePrefix: "/dashboard"));
        if (protect is not null) endpoints.ForEach(protect);
        return app;
    }
}
