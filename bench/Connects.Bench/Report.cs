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
        var dirty = Shell("git", "status --porcelain", root).Length > 0;
        var date = DateTimeOffset.UtcNow;
        var ic = CultureInfo.InvariantCulture;

        var md = new StringBuilder();
        md.AppendLine(ic, $"# Connects bench — {o.Topology} — {date:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(ic, $"- machine: `{machine.uname}`; {machine.nproc} cores ({machine.cpu}); memory {machine.memTotal}; .NET {machine.dotnet}");
        md.AppendLine(ic, $"- commit: `{commit}`{(dirty ? " (work tree has uncommitted changes)" : "")}");
        md.AppendLine(ic, $"- load: closed loop, {o.Connections} connections (SocketsHttpHandler, MaxConnectionsPerServer = {o.Connections}), {o.Duration} s measured after {o.Warmup} s warm-up, loopback; load generator, API and baseline host share the machine");
        md.AppendLine("- storage: the API and the bench-only baseline host each on their own database of the same provider, same `AddConnectsSilo` wiring");
        md.AppendLine("- targets are issue #5's: S1 >= 1.0 x B3, S2 >= 0.5 x S1, S3 >= 0.5 x B2, S4 old/young <= 1.2, S6 <= 4 KB heap per idle wallet");
        md.AppendLine();
        md.AppendLine("| scenario | what | req/s | p50 ms | p99 ms | ok / failed | ratio | vs | target | met? | note |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |");
        foreach (var r in results.Rows)
        {
            var l = r.Load;
            md.AppendLine(ic, $"| {r.Id} | {r.What} | {(l is null ? "" : l.Throughput.ToString("F0", ic))} | {(l is null ? "" : l.P50Ms.ToString("F2", ic))} | {(l is null ? "" : l.P99Ms.ToString("F2", ic))} | {(l is null ? "" : $"{l.Ok} / {l.Failed}")} | {(r.Ratio is { } x ? x.ToString("F3", ic) : "")} | {r.RatioOf ?? ""} | {r.Target} | {(r.Met is null ? "" : r.Met.Value ? "yes" : "**no**")} | {r.Note} |");
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
            options = new { o.Duration, o.Warmup, o.Connections, scenarios = o.Scenarios.Order().ToArray(), o.MemoryWallets, o.AgeWallets, o.AgeMonths, loop = "closed" },
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
