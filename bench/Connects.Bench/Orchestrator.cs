using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Connects.Bench;

public sealed record BenchOptions(string Topology, int Duration, int Warmup, int Connections, HashSet<string> Scenarios,
    int MemoryWallets, int AgeWallets, int AgeMonths, string? PgConnection);

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
        var benchDll = typeof(Orchestrator).Assembly.Location;

        var apiPort = FreePort(); var basePort = FreePort();
        var api = new ChildProcess("api", "dotnet", [apiDll], Path.GetDirectoryName(apiDll)!, runDir, Env(o, apiPort, "api", runDir, sandbox: true));
        var baseline = new ChildProcess("baseline", "dotnet", [benchDll, "baseline-host"], Path.GetDirectoryName(benchDll)!, runDir, Env(o, basePort, "baseline", runDir, sandbox: false));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { api.Dispose(); baseline.Dispose(); };
        Console.CancelKeyPress += (_, _) => { api.Dispose(); baseline.Dispose(); };
        try
        {
            api.Start(); baseline.Start();
            var apiUrl = $"http://127.0.0.1:{apiPort}"; var baseUrl = $"http://127.0.0.1:{basePort}";
            await WaitReady(apiUrl, api); await WaitReady(baseUrl, baseline);
            Console.WriteLine($"bench: API (pid {api.Pid}) on {apiUrl}, baseline host (pid {baseline.Pid}) on {baseUrl}");

            var scenarios = new Scenarios(o, apiUrl, baseUrl, api, baseline);
            var results = await scenarios.RunAll();
            var report = Report.Build(o, root, results);
            Console.WriteLine();
            Console.WriteLine(report.Markdown);
            var dir = Path.Combine(root, "bench", "results");
            Directory.CreateDirectory(dir);
            var stem = Path.Combine(dir, $"{DateTime.UtcNow:yyyy-MM-dd}-{o.Topology}");
            await File.WriteAllTextAsync(stem + ".md", report.Markdown);
            await File.WriteAllTextAsync(stem + ".json", report.Json);
            Console.WriteLine($"bench: wrote {stem}.md and {stem}.json");
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
            api.Dispose(); baseline.Dispose();
        }
    }

    private static Dictionary<string, string> Env(BenchOptions o, int port, string name, string runDir, bool sandbox)
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
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        if (o.Topology == "postgresql")
        {
            env["Connects__Storage__Provider"] = "postgresql";
            env["Connects__Storage__ConnectionString"] = $"{o.PgConnection};Database=bench_{name}";
        }
        else
        {
            env["Connects__Storage__Provider"] = "sqlite";
            env["Connects__Storage__SqlitePath"] = Path.Combine(runDir, $"{name}.db");
        }
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
        var topology = Get("--topology", "sqlite").ToLowerInvariant();
        if (topology is not ("sqlite" or "postgresql")) throw new ArgumentException("--topology must be sqlite or postgresql");
        var pg = Get("--pg", Environment.GetEnvironmentVariable("CONNECTS_BENCH_PG") ?? "");
        if (topology == "postgresql" && pg.Length == 0) throw new ArgumentException("--topology postgresql needs --pg 'Host=127.0.0.1;Port=N;Username=postgres' (databases bench_api and bench_baseline must exist)");
        var duration = int.Parse(Get("--duration", "10"), CultureInfo.InvariantCulture);
        if (duration is < 1 or > 120) throw new ArgumentException("--duration must be 1..120 seconds");
        return new BenchOptions(topology, duration, int.Parse(Get("--warmup", "2"), CultureInfo.InvariantCulture),
            int.Parse(Get("--connections", "32"), CultureInfo.InvariantCulture),
            Get("--scenarios", "B,S1,S2,S3,S4,S6").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToHashSet(),
            int.Parse(Get("--memory-wallets", "5000"), CultureInfo.InvariantCulture),
            int.Parse(Get("--age-wallets", "10"), CultureInfo.InvariantCulture),
            int.Parse(Get("--age-months", "60"), CultureInfo.InvariantCulture),
            pg.Length == 0 ? null : pg);
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
