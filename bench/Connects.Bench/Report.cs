using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Connects.Bench;

public sealed record BuiltReport(string Markdown, string Json);

public static class Report
{
    public static BuiltReport Build(BenchOptions o, string root, (List<Row> Rows, Dictionary<string, object> Extra) results)
    {
        var machine = new
        {
            uname = Shell("uname", "-a", root),
            nproc = Environment.ProcessorCount,
            memTotal = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':')[1].Trim() : "?",
            cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() : null,
            dotnet = Environment.Version.ToString(),
        };
        var commit = Shell("git", "rev-parse HEAD", root);
        // The harness's own reports (an earlier topology's, in the same run of two) do not make the tree dirty.
        var dirty = Shell("git", "status --porcelain -- . \":(exclude)bench/results\"", root).Length > 0;
        var date = DateTimeOffset.UtcNow;
        var ic = CultureInfo.InvariantCulture;

        var md = new StringBuilder();
        md.AppendLine(ic, $"# Connects bench — {o.Topology} — {date:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(ic, $"- machine: `{machine.uname}`; {machine.nproc} cores ({machine.cpu}); memory {machine.memTotal}; .NET {machine.dotnet}");
        md.AppendLine(ic, $"- commit: `{commit}`{(dirty ? " (work tree has uncommitted changes)" : "")}");
        md.AppendLine(ic, $"- load, closed loop (capacity: B1–B3, S1, S2, S2B, S3): {o.Connections} connections (SocketsHttpHandler, MaxConnectionsPerServer = {o.Connections}), each sends its next request when the previous one answered; {o.Duration} s measured after {o.Warmup} s warm-up. Throughput ratios come from these runs. Latency is from each request's actual send, so a server stall is seen once, not by every request that would have arrived meanwhile (coordinated omission): these p99s are optimistic");
        md.AppendLine(ic, $"- load, open loop (latency at a given load: B3o, S1o, S3o at {o.OpenFraction:P0} of the closed-loop throughput just measured; S5's S1 traffic): request i is due at i / rate whatever the answers, at most {o.Connections} in flight; latency from each request's SCHEDULED time, so time spent waiting behind a slow server counts. \"late\" = sends that began more than {LoadGenerator.LateThresholdMs:0} ms after they were due (waiting for a free connection, or the generator itself behind)");
        if (o.Topology == "cluster")
            md.AppendLine(ic, $"- cluster topology: deploy/local/cluster.sh (PostgreSQL, N silo processes, the API as an Orleans client) on free loopback ports, a fresh database for each silo count ({string.Join(", ", o.SiloCounts ?? [])}) on one PostgreSQL server; rebalancer {(o.Rebalance ? "on" : "off")}; CPU per process kind from /proc/<pid>/stat (utime + stime) before and after each closed-loop run, PostgreSQL = postmaster + backends; load generator, API, silos and PostgreSQL share the machine; no baseline host (S7's figures are ratios between silo counts)");
        else
            md.AppendLine("- loopback; load generator, API and baseline host share the machine");
        md.AppendLine("- storage: the API and the bench-only baseline host each on their own database of the same provider, same `AddConnectsSilo` wiring" + (o.PgSelfStarted ? "; PostgreSQL started by the harness (deploy/local/cluster.sh pg-up)" : ""));
        if (o.Scenarios.Contains("S5"))
            md.AppendLine(ic, $"- S5 runs last on its own API process and database: the sandbox clock move wakes the 31 renewal cohorts (one reminder per day of the month), and each refreshes its wallets at its own pace (`Connects:Wallet:CohortRefreshConcurrency` at a time); wallets also refresh lazily on any call");
        md.AppendLine("- targets (issues #5 and #11): S1 >= 0.5 x B3 (aim 1.0; p99 <= 50 ms on PostgreSQL, checked on S1o; <= 2 database commits per submission), S2 >= 0.5 x S1, S2B >= 0.5 x S2, S3 >= 0.5 x B2, S4 old/young p99 <= 1.2, S5 refresh <= 1.5 x B5, S6 <= 4 KB heap per idle wallet, S8 no 5xx and nothing past the 10 s cluster timeout, S7 CPU per operation at 3 silos <= 1.2 x at 1, S7-add no 5xx while grains move");
        md.AppendLine();
        md.AppendLine("| scenario | what | load | req/s | p50 ms | p90 ms | p99 ms | max ms | ok / failed | late | ratio | vs | target | met? | note |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |");
        string F(double v, string format) => double.IsNaN(v) ? "—" : v.ToString(format, ic);
        foreach (var r in results.Rows)
        {
            var l = r.Load;
            var load = l is null ? "" : l.Model == "open" ? $"open {F(l.TargetRate ?? double.NaN, "F0")}/s, ≤{l.Connections} conn" : $"closed, {l.Connections} conn";
            var late = l is null || l.Model != "open" ? "" : l.NotSent > 0 ? $"{l.Late} (+{l.NotSent} not sent)" : l.Late.ToString(ic);
            md.AppendLine(ic, $"| {r.Id} | {r.What} | {load} | {(l is null ? "" : F(l.Throughput, "F0"))} | {(l is null ? "" : F(l.P50Ms, "F2"))} | {(l is null ? "" : F(l.P90Ms, "F2"))} | {(l is null ? "" : F(l.P99Ms, "F2"))} | {(l is null ? "" : F(l.MaxMs, "F2"))} | {(l is null ? "" : $"{l.Ok} / {l.Failed}")} | {late} | {(r.Ratio is { } x ? F(x, "F3") : "")} | {r.RatioOf ?? ""} | {r.Target} | {(r.Met is null ? "" : r.Met.Value ? "yes" : "**no**")} | {r.Note} |");
        }
        md.AppendLine();
        md.AppendLine("Extra:");
        md.AppendLine();
        md.AppendLine("```json");
        md.AppendLine(JsonSerializer.Serialize(results.Extra, Orchestrator.Json));
        md.AppendLine("```");

        var json = JsonSerializer.Serialize(new
        {
            date, topology = o.Topology, commit, dirty, machine,
            options = new
            {
                o.Duration, o.Warmup, o.Connections, scenarios = o.Scenarios.Order().ToArray(), o.MemoryWallets, o.AgeWallets, o.AgeMonths, o.AgeSamples, o.AgeCloses,
                o.OpenFraction, o.RefreshWallets, o.S5Rate, o.S5TimeoutSeconds, pgSelfStarted = o.PgSelfStarted,
                o.SiloCounts, o.AddSeconds, o.Rebalance, o.PgBenchSeconds,
                loads = "closed loop for capacity rows; open loop (model \"open\") for *o rows and S5's S1 traffic", lateThresholdMs = LoadGenerator.LateThresholdMs,
            },
            rows = results.Rows, extra = results.Extra,
        }, Orchestrator.Json);
        return new BuiltReport(md.ToString(), json);
    }

    private static string Shell(string file, string args, string dir)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, WorkingDirectory = dir, UseShellExecute = false })!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }
}
