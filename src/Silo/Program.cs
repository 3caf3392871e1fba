using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;

namespace Connects.Silo;

/// <summary>The silo host: <c>dotnet run --project src/Silo</c>, or <c>-- migrate</c> to apply the schema and exit.</summary>
public static class SiloProgram
{
    private static readonly System.Text.Json.JsonSerializerOptions ReportJson = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    private const string Usage = """
        The Connects silo host.

        Usage: dotnet run --project src/Silo [-- [command] [--Section:Key=value ...]]

          (no command)  run a silo: storage, cluster and ports from appsettings.json, the environment
                        (Connects__Storage__Provider=...) and --Connects:Section:Key=value arguments
          migrate       apply the database schema and exit
          audit         replay every ledger and job from storage and print the report as JSON;
                        exit code 0 when clean, 3 when anything is found
          --help, -h    print this and exit

        Every setting: docs/operations.md.
        """;

    public static void Main(string[] args)
    {
        if (args.FirstOrDefault() is "--help" or "-h" or "help" or "-?")
        {
            Console.WriteLine(Usage);
            return;
        }
        var builder = WebApplication.CreateBuilder(ConnectsHosting.HostOptions(args));

        if (args.FirstOrDefault() == "migrate")
        {
            var storage = ConnectsHosting.BindStorage(builder);
            var applied = new DatabaseMigrator(storage, NullLogger<DatabaseMigrator>.Instance).Migrate();
            Console.WriteLine($"{storage.Provider}: {applied.Count} migration(s) applied, schema up to date.");
            return;
        }

        // Quiet defaults (the silo's appsettings.json and the environment override them): no line per request or per scrape.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (args.FirstOrDefault() == "audit")
        {
            Environment.ExitCode = Audit(builder);
            return;
        }

        builder.AddConnectsSilo();
        // Every endpoint of a silo but /health/* (the dashboard with its grain state and traces, /metrics, and any
        // unknown path) needs an admin token, with the same bearer configuration as the API.
        builder.AddConnectsAuthentication("silo").SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireRole(ConnectsAuthentication.Admin).Build());
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapConnectsHealth();
        app.MapConnectsObservability(endpoints => endpoints.RequireAuthorization(ConnectsAuthentication.Admin));
        app.Run();
    }

    /// <summary>`dotnet run --project src/Silo -- audit`: replays every ledger and job from storage, prints the
    /// report as JSON, records its number of findings for the silos' metrics, exits 0 when clean and 3 when anything is found.</summary>
    private static int Audit(WebApplicationBuilder builder)
    {
        var storage = ConnectsHosting.BindStorage(builder);
        var silo = ConnectsHosting.Bind<SiloSettings>(builder.Configuration, SiloSettings.Section);
        using var services = ((IServiceCollection)new ServiceCollection()).AddSerializer(s => s.AddAssembly(typeof(Connects.Domain.WalletState).Assembly)).BuildServiceProvider();
        var now = TimeProvider.System.GetUtcNow() + new SandboxClockStore(storage).Load();
        var report = new Auditor(storage, silo, services.GetRequiredService<Orleans.Serialization.Serializer>()).Run(now).GetAwaiter().GetResult();
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, ReportJson));
        // Every silo publishes this on /metrics (connects_audit_findings), which the AuditFindings alert reads.
        new AuditRuns(storage, silo).Record(report.Findings.Count, TimeProvider.System.GetUtcNow());
        return report.Clean ? 0 : 3;
    }
}
