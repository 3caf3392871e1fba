using System.Globalization;
using System.Net;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Cluster;

/// <summary>
/// The operators' kit against a real cluster (deploy/local/cluster.sh: PostgreSQL, silo processes, the API): every metric
/// the dashboards and alert rules name is served on /metrics once the cluster has seen a little traffic, the audit's
/// result and a silo voted dead reach the metrics the alerts read, and <c>cluster.sh status</c> lists every silo that
/// ever ran, dead ones included. Fails, never skips, when PostgreSQL cannot start.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class OperatorsKitTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        // The silos re-read the latest audit's result every second instead of every minute.
        ["Connects__Observability__AuditRefreshInterval"] = "00:00:01",
    };

    private static async Task<string> Metrics(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(url + "/metrics");
    }

    private static double Sample(string metrics, string name) => metrics.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>A little of every flow: wallets, a purchase, a grant, proposals recorded and refused (each reason the
    /// traffic can give), a cancelled job's refunds, and a month turned (refresh, forfeit, expiry).</summary>
    private static async Task Traffic(HttpClient http)
    {
        foreach (var f in new[] { "ops-a", "ops-b", "ops-c", "ops-d" }) await http.OpenWallet(f, f == "ops-d" ? "basic" : "plus");
        await http.PostJson("/v1/freelancers/ops-a/purchases", """{"bundle":10,"paymentReference":"ops-pay-1"}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/admin/freelancers/ops-b/grants", """{"grantId":"ops-grant","amount":50,"reason":"ops","expiresAt":"2027-01-01T00:00:00Z"}""")
            .Expect(HttpStatusCode.Created);
        await http.PostJob("ops-job", budget: 800);
        await http.PostJob("ops-job-2", budget: 100);
        await http.PostJson("/v1/jobs/ops-job/proposals", """{"freelancerId":"ops-a","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/jobs/ops-job/proposals", """{"freelancerId":"ops-b","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/jobs/ops-job/proposals", """{"freelancerId":"ops-c","expectedConnects":1}""").Expect(HttpStatusCode.Conflict);
        await http.PostJson("/v1/jobs/ops-job/proposals", """{"freelancerId":"nobody","expectedConnects":16}""");
        await http.PostJson("/v1/jobs/ops-job/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        await http.PostJson("/v1/jobs/ops-job/proposals", """{"freelancerId":"ops-c","expectedConnects":16}""").Expect(HttpStatusCode.Conflict);
        for (var i = 0; i < 4; i++)
            await http.PostJson("/v1/jobs/ops-job-2/proposals", """{"freelancerId":"ops-d","expectedConnects":16}""");
        // Thirteen months on: refreshes, forfeits, the grant and the purchase expire.
        await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P400D"}""").Expect(HttpStatusCode.OK);
        foreach (var f in new[] { "ops-a", "ops-b", "ops-c", "ops-d" }) await http.Wallet(f);
        await http.GetAsync("/v1/jobs/ops-job").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Every_metric_the_dashboards_and_alerts_name_is_served_and_the_audit_and_a_dead_silo_reach_them()
    {
        await using var cluster = await LocalCluster.Up(2, Settings);
        await cluster.AddSilo(); // silo 3
        var http = cluster.Http;
        await Traffic(http);

        // The scheduled job's command: clean, and its result reaches every silo's /metrics.
        var audit = await cluster.Script("audit");
        Assert.Contains("audit clean", audit);
        string Silo(int i) => $"http://127.0.0.1:{cluster.HttpBase + i}";
        await Eventually.Until(async () => (await Metrics(Silo(1))).Contains("connects_audit_findings", StringComparison.Ordinal),
            "the audit's result on silo 1's /metrics");

        // Silo 3 goes next: what it served (the grains it hosted counted there) is part of the cluster's metrics.
        var silo3 = await Metrics(Silo(3));

        // A silo stopped gracefully leaves the cluster: dead in the membership, but not voted dead.
        await cluster.StopSilo(3);
        await Eventually.Until(async () => (await Metrics(Silo(1))).Contains("connects_cluster_silos{otel_scope_name=\"Connects\",status=\"dead\"} 1",
            StringComparison.Ordinal), "silo 1 seeing silo 3 dead after its graceful stop");
        Assert.Equal(0, Sample(await Metrics(Silo(1)), "connects_cluster_silos_declared_dead_total"));
        Assert.Equal(0, Sample(await Metrics(Silo(2)), "connects_cluster_silos_declared_dead_total"));

        // Started again and killed without warning: the others vote it dead, and count it.
        await cluster.Script("start-silo", "3");
        await cluster.KillSilo(3);
        await Eventually.Until(async () => Sample(await Metrics(Silo(1)), "connects_cluster_silos_declared_dead_total") >= 1
                && Sample(await Metrics(Silo(2)), "connects_cluster_silos_declared_dead_total") >= 1,
            "silos 1 and 2 counting silo 3 voted dead");
        // A request after the death, so the API's histograms hold this minute too.
        await http.Wallet("ops-a");

        var silo1 = await Metrics(Silo(1));
        var silo2 = await Metrics(Silo(2));
        var api = await Metrics(http.BaseAddress!.ToString().TrimEnd('/'));
        Assert.Equal(0, Sample(silo1, "connects_audit_findings"));
        Assert.Equal(0, Sample(silo2, "connects_audit_findings"));
        Assert.True(Sample(silo1, "connects_audit_last_run_timestamp_seconds") > DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());
        Assert.Equal(1, Sample(silo1, "connects_cluster_silos_declared_dead_total"));
        // Both of silo 3's incarnations are in the membership table, dead.
        Assert.Contains("connects_cluster_silos{otel_scope_name=\"Connects\",status=\"dead\"} 2", silo1);
        Assert.Contains("connects_cluster_silos{otel_scope_name=\"Connects\",status=\"active\"} 2", silo1);

        // Every metric a dashboard panel or an alert rule names is in the cluster's /metrics.
        var dashboards = Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "grafana", "dashboards"), "*.json");
        Assert.Equal(3, dashboards.Length);
        var (exit, missing) = await Tool.Run("python3",
            [Path.Combine(Repository.Root, "deploy", "tools", "check_observability.py"), "metrics", .. dashboards,
             Path.Combine(Repository.Root, "deploy", "prometheus", "alerts.yml")],
            input: silo1 + "\n" + silo2 + "\n" + silo3 + "\n" + api);
        Assert.True(exit == 0, "metrics named but not served:\n" + missing);

        // status: every silo that ever ran, the killed one too, with its state in words and its URLs.
        var status = await cluster.Status();
        output.WriteLine(status);
        var lines = status.Split('\n');
        for (var i = 1; i <= 2; i++)
        {
            var line = Assert.Single(lines, l => l.StartsWith($"silo{i} pid ", StringComparison.Ordinal));
            Assert.Contains("running, ready=yes, membership Active", line);
            Assert.Contains($"{Silo(i)} dashboard {Silo(i)}/dashboard", line);
        }
        var dead = Assert.Single(lines, l => l.StartsWith("silo3 pid ", StringComparison.Ordinal));
        Assert.Matches(@"^silo3 pid \d+ not running, ready=no, membership Dead, ", dead);
        Assert.Contains($"{Silo(3)} dashboard {Silo(3)}/dashboard", dead);
    }
}
