using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Connects.Bench;

public sealed record BenchOptions(string Topology, int Duration, int Warmup, int Connections, HashSet<string> Scenarios,
    int MemoryWallets, int AgeWallets, int[] AgeMonths, int AgeSamples, string? PgConnection, double OpenFraction,
    int RefreshWallets, double? S5Rate, int S5TimeoutSeconds, string? OutDir, bool PgSelfStarted = false, int AgeCloses = 10,
    int SpikeJobs = 20, int SpikeApplicants = 2000, int SpikeSeconds = 60, double? SpikeBackgroundRate = null,
    int[]? SiloCounts = null, int AddSeconds = 120, bool Rebalance = true, int PgBenchSeconds = 10);

/// <summary>Starts the topology (the real API + the bench-only baseline host), runs the scenarios, writes the results.</summary>
public static class Orchestrator
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var o = Parse(args);
        var root = RepoRoot();
        var runDir = Path.Combine(Path.GetTempPath(), $"connects-bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(runDir);
        Console.WriteLine($"bench: topology={o.Topology} duration={o.Duration}s warmup={o.Warmup}s connections={o.Connections} scenarios={string.Join(',', o.Scenarios)} run dir={runDir}");

        var apiDll = Path.Combine(root, "src", "Api", "bin", "Release", "net10.0", "Connects.Api.dll");
        if (!File.Exists(apiDll)) { Console.Error.WriteLine($"bench: {apiDll} not found; run with -c Release (the bench project builds the API)."); return 2; }
        if (o.Topology == "cluster") return await RunCluster(o, root, runDir);
        var benchDll = typeof(Orchestrator).Assembly.Location;

        LocalPostgres? postgres = null;
        ChildProcess? api = null, baseline = null, apiS5 = null;
        var stopping = new object();
        void StopAll()
        {
            lock (stopping)
            {
                apiS5?.Dispose(); api?.Dispose(); baseline?.Dispose();
                postgres?.Dispose();
            }
        }
        // Ctrl+C and kill (SIGTERM) stop the children and the harness's PostgreSQL before the process ends.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => StopAll());
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        try
        {
            if (o.Topology == "postgresql")
            {
                if (o.PgConnection is null)
                {
                    postgres = LocalPostgres.Start(root, runDir);
                    o = o with { PgConnection = postgres.ConnectionString, PgSelfStarted = true };
                }
                var existed = await BenchStorage.EnsurePgDatabases(o.PgConnection!, ["api", "baseline", "api_s5"]);
                if (existed.Count > 0)
                    Console.WriteLine($"bench: databases {string.Join(", ", existed)} already existed and are used as they are; drop them for a clean run");
            }
            var storage = new BenchStorage(o.Topology, runDir, o.PgConnection);

            var apiPort = FreePort(); var basePort = FreePort();
            api = new ChildProcess("api", "dotnet", [apiDll], Path.GetDirectoryName(apiDll)!, runDir, Env(storage, apiPort, "api", sandbox: true));
            baseline = new ChildProcess("baseline", "dotnet", [benchDll, "baseline-host"], Path.GetDirectoryName(benchDll)!, runDir, Env(storage, basePort, "baseline", sandbox: false));
            api.Start(); baseline.Start();
            var apiUrl = $"http://127.0.0.1:{apiPort}"; var baseUrl = $"http://127.0.0.1:{basePort}";
            await WaitReady(apiUrl, api); await WaitReady(baseUrl, baseline);
            Console.WriteLine($"bench: API (pid {api.Pid}) on {apiUrl}, baseline host (pid {baseline.Pid}) on {baseUrl}");

            // S5 gets its own API process and database (started when S5 begins, after the main API is stopped): its 100,000
            // wallets and their refresh must not load the other scenarios.
            async Task<(ChildProcess Process, string Url)> StartS5Api()
            {
                var port = FreePort();
                var env = Env(storage, port, "api_s5", sandbox: true);
                apiS5 = new ChildProcess("api-s5", "dotnet", [apiDll], Path.GetDirectoryName(apiDll)!, runDir, env);
                apiS5.Start();
                var url = $"http://127.0.0.1:{port}";
                await WaitReady(url, apiS5);
                Console.WriteLine($"bench: S5 API (pid {apiS5.Pid}) on {url}");
                return (apiS5, url);
            }

            var scenarios = new Scenarios(o, storage, apiUrl, baseUrl, api, baseline, StartS5Api);
            var results = await scenarios.RunAll();
            await Write(Report.Build(o, root, results), o, root, o.Topology);
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"bench: failed: {e}");
            Console.Error.WriteLine($"bench: logs in {runDir}");
            return 1;
        }
        finally
        {
            StopAll();
        }
    }

    /// <summary>
    /// <c>--topology cluster</c>: one PostgreSQL server (cluster.sh pg-up on free ports), pgbench's ceiling on it first,
    /// then S7 at each of <c>--silos</c> (a fresh database and cluster each), then S7-add; <c>cluster.sh down --purge</c>
    /// on every way out (end, failure, Ctrl+C, SIGTERM).
    /// </summary>
    private static async Task<int> RunCluster(BenchOptions o, string root, string runDir)
    {
        var cluster = new LocalCluster(root, runDir, "cluster", o.Rebalance);
        void Stop() => cluster.Dispose();
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Stop());
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Stop());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        try
        {
            var silos = o.SiloCounts!;
            Console.WriteLine($"bench: cluster topology: silos {string.Join(',', silos)}, rebalancer {(o.Rebalance ? "on" : "off")}, {Environment.ProcessorCount} cores; cluster.sh run dir {Path.Combine(runDir, "cluster")}");
            cluster.PgUp();
            o = o with { PgConnection = cluster.PgConnection, PgSelfStarted = true };
            var scenarios = Scenarios.ForCluster(o, new BenchStorage("cluster", runDir, cluster.PgConnection, databasePrefix: ""), runDir);
            PgBenchCeiling? ceiling = null;
            if (o.Scenarios.Contains("S7"))
            {
                Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] S7-pgbench: single-row UPDATE ceiling on the cluster's PostgreSQL ({o.PgBenchSeconds} s, before any silo starts)");
                ceiling = await CapacityModel.MeasurePgBench(cluster, runDir, o.PgBenchSeconds);
                if (ceiling is not null) Console.WriteLine($"  {ceiling.Tps:F0} tps with {ceiling.Clients} clients");
                foreach (var n in silos) await scenarios.ScaleOutAt(cluster, n);
                scenarios.ScaleOutSummary(ceiling);
            }
            if (o.Scenarios.Contains("S7-ADD")) await scenarios.ScaleOutAdd(cluster, o.Rebalance);
            await Write(Report.Build(o, root, (scenarios.Rows, scenarios.Extra)), o, root, "cluster");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"bench: failed: {e}");
            Console.Error.WriteLine($"bench: logs in {runDir}");
            return 1;
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>Prints the report and writes it as <c>&lt;date&gt;-&lt;topology&gt;.md</c> and <c>.json</c> to --out, else bench/results.</summary>
    private static async Task Write(BuiltReport report, BenchOptions o, string root, string topology)
    {
        Console.WriteLine();
        Console.WriteLine(report.Markdown);
        var dir = o.OutDir ?? Path.Combine(root, "bench", "results");
        Directory.CreateDirectory(dir);
        var stem = Path.Combine(dir, $"{DateTime.UtcNow:yyyy-MM-dd}-{topology}");
        await File.WriteAllTextAsync(stem + ".md", report.Markdown);
        await File.WriteAllTextAsync(stem + ".json", report.Json);
        Console.WriteLine($"bench: wrote {stem}.md and {stem}.json");
    }

    private static Dictionary<string, string> Env(BenchStorage storage, int port, string database, bool sandbox)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Connects__Silo__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Connects__Silo__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Connects__Silo__AdvertisedAddress"] = "127.0.0.1",
            ["Connects__Sandbox__Enabled"] = sandbox ? "true" : "false",
            ["Connects__Limits__WritesPerSecond"] = "1000000",
            ["Connects__Limits__WriteBurst"] = "1000000",
            ["Connects__Observability__Dashboard"] = "false",
            // S1E's webhook receiver listens on loopback in the harness: the SSRF guard lets the bench name it.
            ["Connects__Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        storage.Configure(env, database);
        return env;
    }

    private static async Task WaitReady(string url, ChildProcess process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited during start-up; see {process.LogPath}");
            try
            {
                if ((await http.GetAsync(url + "/health/ready")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{process.Name} not ready on {url} within 90 s; see {process.LogPath}");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Connects.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException("Connects.Orleans.sln not found above the current directory.");
    }

    private static BenchOptions Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double Dbl(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var topology = Get("--topology", "sqlite").ToLowerInvariant();
        if (topology is not ("sqlite" or "postgresql" or "cluster")) throw new ArgumentException("--topology must be sqlite, postgresql or cluster");
        // PostgreSQL without --pg (or CONNECTS_BENCH_PG): the harness starts its own with deploy/local/cluster.sh pg-up.
        var pg = Get("--pg", Environment.GetEnvironmentVariable("CONNECTS_BENCH_PG") ?? "");
        var duration = Int("--duration", 10);
        if (duration is < 1 or > 120) throw new ArgumentException("--duration must be 1..120 seconds");
        var openFraction = Dbl("--open-fraction", 0.7);
        if (openFraction is <= 0 or > 1) throw new ArgumentException("--open-fraction must be in (0, 1]");
        var refreshWallets = Int("--refresh-wallets", 100_000);
        if (refreshWallets is < 1 or > 1_000_000) throw new ArgumentException("--refresh-wallets must be 1..1000000");
        var s5Rate = Get("--s5-rate", "");
        var ageSamples = Int("--age-samples", 500);
        if (ageSamples < 10) throw new ArgumentException("--age-samples must be at least 10");
        var ageMonths = Get("--age-months", "12,60,120").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => int.Parse(m, CultureInfo.InvariantCulture)).ToArray();
        if (ageMonths.Length == 0 || ageMonths.Any(m => m is < 2 or > 600)) throw new ArgumentException("--age-months must list ages of 2..600 months");
        var ageCloses = Int("--age-closes", 10);
        if (ageCloses is < 1 or > 100) throw new ArgumentException("--age-closes must be 1..100");
        var spikeJobs = Int("--s8-jobs", 20);
        var spikeApplicants = Int("--s8-applicants", 2000);
        var spikeSeconds = Int("--s8-seconds", 60);
        if (spikeJobs is < 1 or > 1000 || spikeApplicants is < 1 or > 100_000 || spikeSeconds is < 1 or > 600)
            throw new ArgumentException("--s8-jobs must be 1..1000, --s8-applicants 1..100000, --s8-seconds 1..600");
        var spikeRate = Get("--s8-background-rate", "");
        var siloCounts = Get("--silos", "1,2,3").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
        if (siloCounts.Length == 0 || siloCounts.Any(n => n is < 1 or > 8)) throw new ArgumentException("--silos must list silo counts of 1..8");
        var addSeconds = Int("--add-seconds", 120);
        if (addSeconds is < 10 or > 1200) throw new ArgumentException("--add-seconds must be 10..1200");
        var rebalance = Get("--rebalance", "on").ToLowerInvariant();
        if (rebalance is not ("on" or "off")) throw new ArgumentException("--rebalance must be on or off");
        var pgbenchSeconds = Int("--pgbench-seconds", 10);
        if (pgbenchSeconds is < 1 or > 600) throw new ArgumentException("--pgbench-seconds must be 1..600");
        var defaultScenarios = topology == "cluster" ? "S7,S7-ADD" : "B,S1,S1E,S2,S2B,S3,S4,S8,S5,S6";
        return new BenchOptions(topology, duration, Int("--warmup", 2), Int("--connections", 32),
            Get("--scenarios", defaultScenarios).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToHashSet(),
            Int("--memory-wallets", 5000), Int("--age-wallets", 10), ageMonths, ageSamples,
            pg.Length == 0 ? null : pg, openFraction, refreshWallets,
            s5Rate.Length == 0 ? null : double.Parse(s5Rate, CultureInfo.InvariantCulture), Int("--s5-timeout", 1200),
            Get("--out", "") is { Length: > 0 } outDir ? Path.GetFullPath(outDir) : null, AgeCloses: ageCloses,
            SpikeJobs: spikeJobs, SpikeApplicants: spikeApplicants, SpikeSeconds: spikeSeconds,
            SpikeBackgroundRate: spikeRate.Length == 0 ? null : double.Parse(spikeRate, CultureInfo.InvariantCulture),
            SiloCounts: siloCounts, AddSeconds: addSeconds, Rebalance: rebalance == "on", PgBenchSeconds: pgbenchSeconds);
    }
}

/// <summary>A child process whose output goes to a log file; killed (with its tree) on dispose.</summary>
public sealed class ChildProcess(string name, string file, string[] args, string workDir, string runDir, Dictionary<string, string> env) : IDisposable
{
    private Process? _process;
    private StreamWriter? _log;
    public string Name => name;
    public string LogPath => Path.Combine(runDir, name + ".log");
    public int Pid => _process?.Id ?? 0;
    public bool HasExited => _process?.HasExited ?? true;

    public void Start()
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        _log = new StreamWriter(LogPath, append: false, Encoding.UTF8) { AutoFlush = true };
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {name}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Resident set size from /proc (Linux), bytes.</summary>
    public long RssBytes()
    {
        if (_process is null || _process.HasExited) return 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public void Dispose()
    {
        try
        {
            if (_process is { HasExited: false }) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
        }
        catch (InvalidOperationException) { }
        _process?.Dispose();
        _process = null;
    }
}
