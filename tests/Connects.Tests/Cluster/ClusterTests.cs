using System.Globalization;
using System.Net;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Cluster;

/// <summary>
/// The production topology for real: PostgreSQL started from the system binaries, silos and the API
/// as separate processes, all brought up and changed by deploy/local/cluster.sh. These fail (never
/// skip) when PostgreSQL cannot be started.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> FastSettling = new()
    {
        // Holds left by an interrupted submission settle within seconds, not minutes.
        ["Connects__Wallet__HoldDuration"] = "00:00:05",
    };

    private static string[] Names(string prefix, int count) =>
        Enumerable.Range(1, count).Select(i => $"{prefix}-{i}").ToArray();

    private static async Task Populate(HttpClient http, string[] freelancers, string[] jobs)
    {
        foreach (var f in freelancers)
        {
            await http.OpenWallet(f, "plus");
            // Enough Connects that no submission is refused for want of them: the runs are about faults.
            await http.PostJson($"/v1/admin/freelancers/{f}/grants", $$"""{"grantId":"load-{{f}}","amount":5000,"reason":"load test"}""").Expect(HttpStatusCode.Created);
        }
        for (var i = 0; i < jobs.Length; i++) await http.PostJob(jobs[i], budget: 100 + 50 * (i % 7), category: $"cat-{i % 5}");
    }

    /// <summary>Every answer the load got was a success or a retryable 503: no 5xx or refusal reached the caller.</summary>
    private static void AnsweredOrUnavailable(Load load) =>
        Assert.All(load.Answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
            $"{a.Operation} at {a.At:F1}s answered {(int)a.Status}"));

    /// <summary>A cluster of <paramref name="silos"/> with funded wallets and open jobs, and a load ready to run against it.</summary>
    private static async Task<(LocalCluster Cluster, Load Load, string[] Freelancers, string[] Jobs)> Loaded(int silos, string prefix, int freelancers, int jobs)
    {
        var cluster = await LocalCluster.Up(silos, FastSettling);
        var (f, j) = (Names(prefix, freelancers), Names(prefix + "-job", jobs));
        try
        {
            await Populate(cluster.Http, f, j);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return (cluster, new Load(cluster.Http, f, j), f, j);
    }

    [Fact]
    public async Task A_fresh_database_migrated_by_the_project_carries_a_three_silo_cluster()
    {
        await using var cluster = await LocalCluster.Up(3);
        Assert.Equal(3, await cluster.Scalar<long>("SELECT COUNT(*) FROM orleansmembershiptable WHERE status = 3"));
        // Every migration of the project's PostgreSQL folder ran, once.
        var migrations = Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "sql", "postgresql"), "*.sql").Length;
        Assert.True(migrations >= 6, $"only {migrations} migrations found");
        Assert.Equal(migrations, await cluster.Scalar<long>("SELECT COUNT(*) FROM schemaversions"));
        var status = await cluster.Status();
        Assert.Equal(3, status.Split('\n').Count(l => l.StartsWith("silo", StringComparison.Ordinal) && l.Contains("ready=yes", StringComparison.Ordinal)));
        Assert.Contains("api pid", status);

        var http = cluster.Http;
        var freelancers = Names("fresh", 12);
        await Populate(http, freelancers, ["fresh-job"]);
        foreach (var f in freelancers)
            await http.PostJson("/v1/jobs/fresh-job/proposals", $$"""{"freelancerId":"{{f}}","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/jobs/fresh-job/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        foreach (var f in freelancers) Assert.Equal(5070, (await http.Wallet(f)).Int("balance"));

        // Renewal cohorts: every wallet on its day's roll, one reminder per day of the month and none per wallet.
        Assert.Equal(12, await cluster.Scalar<long>("SELECT COUNT(*) FROM connectsrenewalcohort"));
        Assert.Equal(0, await cluster.Scalar<long>("SELECT COUNT(*) FROM orleansreminderstable WHERE remindername = 'monthly-refresh'"));
        Assert.Equal(31, await cluster.Scalar<long>("SELECT COUNT(*) FROM orleansreminderstable WHERE remindername = 'renewal'"));
        Assert.True(await cluster.Scalar<long>("SELECT COUNT(*) FROM orleansstorage") >= 14);
        var silosWithWork = 0;
        for (var silo = 1; silo <= 3; silo++)
            if (await cluster.SiloMetric(silo, "orleans_catalog_activation_created_total") > 0) silosWithWork++;
        Assert.True(silosWithWork >= 2, "grains should be spread over the silos");
        var submitted = 0.0;
        for (var silo = 1; silo <= 3; silo++) submitted += await cluster.SiloMetric(silo, "connects_proposals_submitted_total");
        Assert.Equal(12, submitted);

        Assert.Contains("0 migration(s) applied", await cluster.Script("migrate"));
    }

    [Fact]
    public async Task Killing_a_silo_under_load_loses_no_acknowledged_proposal_and_no_connect()
    {
        var (cluster, load, freelancers, jobs) = await Loaded(3, "fo", 24, 300);
        await using var _ = cluster;
        var http = cluster.Http;

        var running = load.Run(workers: 8, duration: TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(12)); // the load runs 12 s before the kill: part of the scenario, not a wait for an event
        var killedAt = load.Now;
        await cluster.KillSilo(2);
        await Task.Delay(TimeSpan.FromSeconds(10)); // and 10 s with a silo gone before the month turns: the scenario again
        await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P31D"}""").Expect(HttpStatusCode.OK);
        await running;

        AnsweredOrUnavailable(load);
        await NothingHeld(http, freelancers);
        var (balances, spent) = await Audit.Check(http, load, freelancers, jobs);
        Assert.True(load.Proposals.Count > 20, $"only {load.Proposals.Count} proposals went through");
        var refreshed = 0;
        long issued = 0, forfeited = 0;
        foreach (var f in freelancers)
        {
            var history = await Audit.History(http, f);
            refreshed += history.Count(e => e.GetProperty("kind").GetString() == "monthly-refresh");
            issued += history.Where(e => e.Int("amount") > 0).Sum(e => e.Int("amount"));
            forfeited += -history.Where(e => e.GetProperty("kind").GetString() is "forfeit" or "expiry").Sum(e => e.Int("amount"));
        }
        Assert.Equal(freelancers.Length, refreshed);
        Assert.Equal(issued - spent - forfeited, balances);

        Report(load, killedAt, "kill -9 of one of 3 silos");
    }

    [Fact]
    public async Task Every_request_of_serial_callers_answers_within_three_seconds_through_a_kill_minus_nine()
    {
        var (cluster, load, freelancers, jobs) = await Loaded(2, "sc", 16, 200);
        await using var _ = cluster;
        var http = cluster.Http;

        // Four callers, each waiting for its answer before the next request (the web tier's requests, one at a time each):
        // at the kill, some are waiting on the killed silo or through its gateway.
        var running = load.Run(workers: 4, duration: TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(10)); // the load runs 10 s on two silos before the kill: part of the scenario
        var killedAt = load.Now;
        await cluster.KillSilo(1);
        await running;

        AnsweredOrUnavailable(load);
        var worst = load.Answers.MaxBy(a => a.Seconds);
        Report(load, killedAt, "kill -9 of one of 2 silos, 4 serial callers");
        Assert.True(worst.Seconds <= 3.0, $"the slowest request took {worst.Seconds:F2} s ({worst.Operation} answered {(int)worst.Status} at {worst.At:F1} s; kill at {killedAt:F1} s)");
        await NothingHeld(http, freelancers);
        await Audit.Check(http, load, freelancers, jobs);
    }

    [Fact]
    public async Task Adding_a_silo_under_load_spreads_grains_to_it_and_a_graceful_stop_loses_nothing()
    {
        var (cluster, load, freelancers, jobs) = await Loaded(2, "so", 24, 300);
        await using var _ = cluster;
        var http = cluster.Http;

        var running = load.Run(workers: 8, duration: TimeSpan.FromSeconds(35));
        await Task.Delay(TimeSpan.FromSeconds(8)); // the load runs 8 s on two silos: part of the scenario, not a wait for an event
        var added = await cluster.AddSilo();
        Assert.Contains("silo3 up", added);
        await Task.Delay(TimeSpan.FromSeconds(10)); // and 10 s on three before the stop: the scenario again
        var stoppedAt = load.Now;
        await cluster.StopSilo(1);
        await running;

        Assert.True(await cluster.SiloMetric(3, "orleans_catalog_activation_created_total") > 0, "the new silo took no grains");
        AnsweredOrUnavailable(load);
        await NothingHeld(http, freelancers);
        await Audit.Check(http, load, freelancers, jobs);
        Report(load, stoppedAt, "SIGTERM of one silo after adding a third");
    }

    [Fact]
    public async Task A_whole_cluster_restart_keeps_everything_and_applies_a_refresh_that_fell_due_while_down_once()
    {
        await using var cluster = await LocalCluster.Up(3);
        var http = cluster.Http;
        var freelancers = Names("rs", 6);
        await Populate(http, freelancers, ["rs-job"]);
        foreach (var f in freelancers.Take(3))
            await http.PostJson("/v1/jobs/rs-job/proposals", $$"""{"freelancerId":"{{f}}","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/freelancers/rs-1/purchases", """{"bundle":20,"paymentReference":"rs-pay"}""").Expect(HttpStatusCode.Created);
        var before = new Dictionary<string, (string Wallet, List<string> History)>();
        foreach (var f in freelancers)
            before[f] = ((await http.Wallet(f)).ToString(), (await Audit.History(http, f)).Select(e => e.ToString()).ToList());
        var job = (await http.GetAsync("/v1/jobs/rs-job").Expect(HttpStatusCode.OK)).ToString();
        const string remindersSql = "SELECT string_agg(grainid || '/' || remindername || '/' || period, ',' ORDER BY grainid) FROM orleansreminderstable";
        var reminders = await cluster.Scalar<string>(remindersSql);

        await cluster.Down();
        await cluster.UpAgain(3);
        Assert.Equal(job, (await http.GetAsync("/v1/jobs/rs-job").Expect(HttpStatusCode.OK)).ToString());
        foreach (var f in freelancers)
        {
            Assert.Equal(before[f].Wallet, (await http.Wallet(f)).ToString());
            Assert.Equal(before[f].History, (await Audit.History(http, f)).Select(e => e.ToString()).ToList());
        }
        Assert.Equal(reminders, await cluster.Scalar<string>(remindersSql));

        // A month passes while everything is down: the next start applies the refresh, once.
        await cluster.Down();
        await cluster.Script("pg-up");
        var month = TimeSpan.FromDays(32).Ticks.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(1, await cluster.Scalar<int>($"WITH u AS (UPDATE connectssandboxclock SET offsetticks = offsetticks + {month} RETURNING 1) SELECT COUNT(*)::int FROM u"));
        await cluster.UpAgain(3);
        foreach (var f in freelancers)
        {
            var wallet = await http.Wallet(f);
            Assert.Equal(1, wallet.Int("cycle"));
            var history = await Audit.History(http, f);
            Assert.Single(history, e => e.GetProperty("kind").GetString() == "monthly-refresh");
            Assert.Equal(wallet.Int("balance"), history.Sum(e => e.Int("amount")));
        }
        Assert.Equal(reminders, await cluster.Scalar<string>(remindersSql));
    }

    [Fact]
    public async Task Reminders_on_postgresql_refresh_idle_wallets_once_per_cycle_across_silo_changes()
    {
        await using var cluster = await LocalCluster.Up(3, new Dictionary<string, string>
        {
            ["Connects__Wallet__RefreshReminderPeriod"] = "00:01:00",
            ["Connects__Wallet__ArchiveAfterEntries"] = "0", // every cycle close writes the wallet's statement: the sign below
        });
        var http = cluster.Http;
        var freelancers = Names("rm", 8);
        foreach (var f in freelancers) await http.OpenWallet(f, "basic");

        for (var cycle = 1; cycle <= 2; cycle++)
        {
            await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P31D"}""").Expect(HttpStatusCode.OK);
            if (cycle == 1) await cluster.KillSilo(2);
            else await cluster.AddSilo();
            // No call reaches the wallets: only their reminders can close the cycle, which adds its entries to the
            // wallet's statement of the year (one row, whose version counts its writes).
            var statementsSql = $"SELECT COUNT(*) FROM orleansstorage WHERE graintypestring = 'statement' AND grainidextension LIKE 'freelancer:rm-%/y0' AND version >= {cycle}";
            await Eventually.Until(async () => await cluster.Scalar<long>(statementsSql) >= freelancers.Length,
                $"every wallet's reminder to close cycle {cycle}", deadline: TimeSpan.FromMinutes(4), poll: TimeSpan.FromSeconds(2));
            Assert.Equal(freelancers.Length, await cluster.Scalar<long>(statementsSql));
        }

        foreach (var f in freelancers)
        {
            var history = await Audit.History(http, f);
            Assert.Equal(["cycle-1", "cycle-2"], history.Where(e => e.GetProperty("kind").GetString() == "monthly-refresh")
                .Select(e => e.GetProperty("reference").GetString()).Order());
            Assert.Equal(10, (await http.Wallet(f)).Int("balance"));
        }
    }

    [Fact]
    public async Task Through_two_silos_every_wallet_read_right_after_a_clock_advance_shows_the_new_month_and_the_api_logs_no_line_per_request()
    {
        // The processes run at the log levels of their own settings files, as an operator's would.
        await using var cluster = await LocalCluster.Up(2, defaultLogging: true);
        var http = cluster.Http;
        var freelancers = Names("adv", 16);
        foreach (var f in freelancers) await http.OpenWallet(f, "basic");
        foreach (var f in freelancers) Assert.Equal(0, (await http.Wallet(f)).Int("cycle")); // every wallet active on its silo

        for (var month = 1; month <= 2; month++)
        {
            await http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P32D"}""").Expect(HttpStatusCode.OK);
            // No sleep: the answer came once both silos serve the new time, wherever each wallet lives.
            foreach (var f in freelancers)
            {
                var wallet = await http.Wallet(f);
                Assert.True(wallet.Int("cycle") == month, $"{f} read right after advance {month}: {wallet}");
                Assert.Equal(10, wallet.Int("balance"));
            }
        }

        var api = await File.ReadAllTextAsync(Path.Combine(cluster.LogsFolder, "api.log"));
        Assert.DoesNotContain("Request starting", api);
        Assert.DoesNotContain("Request finished", api);
        Assert.Contains("Sandbox clock moved forward by P32D by developer", api);
        foreach (var silo in new[] { "silo1.log", "silo2.log" })
            Assert.DoesNotContain("Request finished", await File.ReadAllTextAsync(Path.Combine(cluster.LogsFolder, silo)));
    }
    /// <summary>Holds left by the fault expire (5 s, <see cref="FastSettling"/>) and are settled by the next read of their
    /// wallet: reads until no wallet holds anything.</summary>
    private static Task NothingHeld(HttpClient http, string[] freelancers) =>
        Eventually.Until(async () =>
        {
            foreach (var f in freelancers)
                if ((await http.Wallet(f)).Int("held") != 0) return false;
            return true;
        }, "the holds left by the fault to expire and be settled", poll: TimeSpan.FromSeconds(1));

    private void Report(Load load, double faultAt, string fault)
    {
        var throughput = load.Throughput();
        var fault0 = (int)faultAt;
        var before = throughput.Take(fault0).Skip(2).DefaultIfEmpty(0).Average();
        var after = throughput.Skip(fault0).Take(throughput.Length - fault0 - 1).ToArray();
        var dip = after.DefaultIfEmpty(0).Min();
        var recovered = Array.FindIndex(after, t => t >= 0.8 * before);
        var unavailable = load.Answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable);
        var latencies = load.Answers.Select(a => a.Seconds).Order().ToArray();
        var p99 = latencies.Length == 0 ? 0 : latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(0.99 * latencies.Length) - 1)];
        var line = $"{fault}: {load.Proposals.Count} proposals, {load.Answers.Count} answers ({unavailable} 503); " +
                   $"per request: slowest {latencies.DefaultIfEmpty(0).Max():F2} s, p99 {p99:F3} s; " +
                   $"throughput {before:F0} ops/s before, lowest {dip} ops/s after, back to 80% in {(recovered < 0 ? "never" : recovered + " s")}; " +
                   $"per second: {string.Join(' ', throughput)}";
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "connects-cluster-report.txt"), $"{DateTime.UtcNow:O} {line}\n");
    }
}
