using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>
/// The hosts as an operator deploys them: the built dlls started as processes from a working directory that is not
/// theirs, in Production or Staging with bearer configuration. What a deployment must not do: serve the silo's
/// dashboard or metrics to anyone, run the sandbox clock in Production, or ignore its own settings.
/// </summary>
[Collection(HostProcessesCollection.Name)]
public sealed class HostProcessTests
{
    private static Dictionary<string, string> Production(TempDatabase folder, Tokens? tokens, string environment = "Production")
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["Connects__Storage__SqlitePath"] = Path.Combine(folder.Folder, "connects.db"),
        };
        foreach (var (key, value) in tokens?.EnvironmentVariables ?? []) settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task A_production_silo_serves_its_dashboard_metrics_and_any_other_path_to_admins_only_and_health_to_anyone()
    {
        using var folder = new TempDatabase(migrate: false);
        var tokens = new Tokens();
        await using var silo = await ServiceProcess.StartHost("Silo", folder.Folder, Production(folder, tokens));

        foreach (var path in new[] { "/dashboard/ClusterStats", "/metrics", "/dashboard/", "/no-such-path" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Http.SendAsync(tokens.Get(path, null))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await silo.Http.SendAsync(tokens.Get(path, "web-tier", "marketplace"))).StatusCode);
        }
        var stats = await silo.Http.SendAsync(tokens.Get("/dashboard/ClusterStats", "ops", "admin"));
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        var metrics = await silo.Http.SendAsync(tokens.Get("/metrics", "ops", "admin"));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("orleans_", await metrics.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Http.SendAsync(tokens.Get("/no-such-path", "ops", "admin"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task A_silo_outside_development_refuses_to_start_without_bearer_configuration()
    {
        using var folder = new TempDatabase(migrate: false);
        var (exitCode, output) = await ServiceProcess.StartExpectingRefusal("Silo", folder.Folder, Production(folder, tokens: null, environment: "Staging"));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Authentication is not configured for the silo", output);
        Assert.Contains("Authentication:Schemes:Bearer", output);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task The_silo_prints_its_usage_for_help_instead_of_starting(string help)
    {
        using var folder = new TempDatabase(migrate: false);
        var (exitCode, output) = await ServiceProcess.RunToExit("Silo", folder.Folder, Production(folder, tokens: null), help);
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage: dotnet run --project src/Silo", output);
        Assert.Contains("migrate", output);
        Assert.False(File.Exists(Path.Combine(folder.Folder, "connects.db")), "--help must not touch storage");
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("Silo")]
    public async Task A_production_host_refuses_to_start_with_the_sandbox_clock_enabled_naming_the_setting(string project)
    {
        using var folder = new TempDatabase(migrate: false);
        var settings = Production(folder, new Tokens());
        settings["Connects__Sandbox__Enabled"] = "true";
        var (exitCode, output) = await ServiceProcess.StartExpectingRefusal(project, folder.Folder, settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Connects:Sandbox:Enabled is true in the Production environment", output);
    }

    [Fact]
    public async Task A_production_api_started_from_another_folder_loads_its_own_settings_no_sandbox_clock_and_no_line_per_request()
    {
        using var folder = new TempDatabase(migrate: false);
        var tokens = new Tokens();
        await using var api = await ServiceProcess.StartHost("Api", folder.Folder, Production(folder, tokens));
        var web = new AuthenticationHeaderValue("Bearer", tokens.Create("web-tier", "marketplace"));
        var admin = new AuthenticationHeaderValue("Bearer", tokens.Create("ops", "admin"));

        for (var i = 0; i < 20; i++)
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, "/v1/freelancers/nobody/wallet") { Headers = { Authorization = web } };
            Assert.Equal(HttpStatusCode.NotFound, (await api.Http.SendAsync(read)).StatusCode);
        }
        // appsettings.json does not enable the sandbox clock: in Production its routes do not exist.
        using var move = new HttpRequestMessage(HttpMethod.Post, "/v1/sandbox/clock")
        {
            Headers = { Authorization = admin },
            Content = new StringContent("""{"advanceBy":"P40D"}""", Encoding.UTF8, "application/json"),
        };
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.SendAsync(move)).StatusCode);

        // Its own appsettings.json keeps ASP.NET Core's per-request lines (Information) out of the log.
        Assert.DoesNotContain("Request starting", api.Output);
        Assert.DoesNotContain("Request finished", api.Output);
    }

    [Fact]
    public async Task A_staging_api_may_enable_the_sandbox_clock_and_logs_who_moved_it_and_by_how_much()
    {
        using var folder = new TempDatabase(migrate: false);
        var tokens = new Tokens();
        var settings = Production(folder, tokens, environment: "Staging");
        settings["Connects__Sandbox__Enabled"] = "true";
        await using var api = await ServiceProcess.StartHost("Api", folder.Folder, settings);

        using var move = new HttpRequestMessage(HttpMethod.Post, "/v1/sandbox/clock")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", tokens.Create("ops-alice", "admin")) },
            Content = new StringContent("""{"advanceBy":"P2DT3H"}""", Encoding.UTF8, "application/json"),
        };
        var moved = await api.Http.SendAsync(move);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        await Eventually.Until(() => api.Output.Contains("Sandbox clock moved forward by P2DT3H by ops-alice", StringComparison.Ordinal),
            "the log line of the move");
    }
}

[CollectionDefinition(Name)]
public sealed class HostProcessesCollection
{
    /// <summary>Each test starts a host process: one at a time on a 2-core machine.</summary>
    public const string Name = "host processes";
}
