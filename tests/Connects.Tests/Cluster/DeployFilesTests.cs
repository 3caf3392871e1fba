using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Cluster;

public sealed class DeployFilesTests
{
    private static string Deploy(params string[] path) => Path.Combine([Repository.Root, "deploy", .. path]);

    /// <summary>No container engine runs here: compose, the Kubernetes manifests, the Dockerfiles, the alert rules (with their
    /// unit tests) and the dashboards are checked offline (yamllint, docker-compose config, kubectl's client-side decoding,
    /// promtool; see deploy/validate.sh).</summary>
    [Fact]
    public async Task Compose_kubernetes_manifests_dockerfiles_rules_and_dashboards_validate_offline()
    {
        var (exit, output) = await Tool.Run("bash", [Deploy("validate.sh")]);
        Assert.True(exit == 0, output);
        var passed = output.Split('\n').Where(line => line.StartsWith("PASS", StringComparison.Ordinal)).ToList();
        foreach (var check in new[]
        {
            "silo-deployment.yaml", "silo-hpa.yaml", "silo-pdb.yaml", "silo-networkpolicy.yaml", "api-deployment.yaml", "api-service.yaml",
            "audit-cronjob.yaml", "docker-compose config", "loopback ports, PostgreSQL first", "promtool check config", "promtool check rules",
            "promtool test rules", "a runbook section", "every query parses under promtool", "migrate before silos",
        })
            Assert.Contains(passed, line => line.Contains(check, StringComparison.Ordinal));
    }

    /// <summary>The alert rules' unit tests run under promtool, and they can fail: a rule made wrong (the audit alert that
    /// never fires) fails them.</summary>
    [Fact]
    public async Task The_alert_rules_unit_tests_pass_and_catch_a_broken_rule()
    {
        var promtool = await Tool.Promtool();
        var (exit, output) = await Tool.Run(promtool, ["test", "rules", Deploy("prometheus", "alerts.test.yml")]);
        Assert.True(exit == 0, output);

        var folder = Directory.CreateTempSubdirectory("connects-alerts-").FullName;
        try
        {
            var rules = await File.ReadAllTextAsync(Deploy("prometheus", "alerts.yml"));
            Assert.Contains("max(connects_audit_findings) > 0", rules);
            await File.WriteAllTextAsync(Path.Combine(folder, "alerts.yml"), rules.Replace("max(connects_audit_findings) > 0", "max(connects_audit_findings) > 1", StringComparison.Ordinal));
            File.Copy(Deploy("prometheus", "alerts.test.yml"), Path.Combine(folder, "alerts.test.yml"));
            var (broken, brokenOutput) = await Tool.Run(promtool, ["test", "rules", Path.Combine(folder, "alerts.test.yml")]);
            Assert.NotEqual(0, broken);
            Assert.Contains("ConnectsAuditFindings", brokenOutput);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The dashboards a person looks at in a spike: each says what the issue asks of it, in panels with queries.</summary>
    [Theory]
    [InlineData("traffic", new[] { "Proposals by outcome", "Refusals by reason", "p50 by route", "p99 by route", "5xx and 503" })]
    [InlineData("cluster", new[] { "Silos by status", "Activations per silo", "Rebalancing moves", "Messaging", "Storage write latency", "Storage write errors" })]
    [InlineData("ledger", new[] { "Connects per hour", "Refresh lag", "Holds outstanding", "Audit findings" })]
    public async Task Each_dashboard_has_the_panels_an_operator_needs(string dashboard, string[] panels)
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Deploy("grafana", "dashboards", dashboard + ".json")));
        var titles = json.RootElement.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("title").GetString()).ToList();
        foreach (var panel in panels) Assert.Contains(panel, titles);
        Assert.All(json.RootElement.GetProperty("panels").EnumerateArray(), p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray()));
        var ledger = dashboard == "ledger" ? json.RootElement.GetRawText() : "";
        foreach (var kind in dashboard == "ledger" ? new[] { "spend", "refund", "expiry", "monthly-refresh" } : [])
            Assert.Contains(kind, ledger, StringComparison.Ordinal);
    }

    /// <summary>The metric-name extraction the cluster test relies on finds the metrics of a query, and only those.</summary>
    [Fact]
    public async Task The_metric_names_of_a_query_are_what_it_selects()
    {
        var (exit, output) = await Tool.Run("python3", [Deploy("tools", "check_observability.py"), "metrics", Deploy("prometheus", "alerts.yml")],
            input: "orleans_reminders_active 1\nconnects_reminder_ticks_total{reminder=\"renewal\"} 0\n");
        Assert.Equal(1, exit);
        var missing = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(missing, line => line.Contains("'ConnectsReminderTicksMissing'", StringComparison.Ordinal));
        Assert.Contains(missing, line => line.Contains("names connects_audit_findings", StringComparison.Ordinal));
        Assert.Contains(missing, line => line.Contains("names http_server_request_duration_seconds_bucket", StringComparison.Ordinal));
        Assert.DoesNotContain(missing, line => line.Contains("names le", StringComparison.Ordinal) || line.Contains("names h,", StringComparison.Ordinal)
            || line.Contains("names sum", StringComparison.Ordinal) || line.Contains("names rate", StringComparison.Ordinal));
    }
}
