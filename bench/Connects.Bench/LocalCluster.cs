using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Connects.Bench;

/// <summary>
/// <c>--topology cluster</c>: a real cluster started with <c>deploy/local/cluster.sh</c> (PostgreSQL, N silo processes,
/// the API as an Orleans client), on free loopback ports and a run directory of its own under the harness's run
/// directory, so that it never meets another cluster on this machine. The harness's settings (write limits lifted,
/// dashboard off, quiet logs, the rebalancer setting) reach every process through the environment cluster.sh passes on.
/// Dispose runs <c>down --purge</c> once (the logs are copied to the harness's run directory first).
/// </summary>
public sealed class LocalCluster : IDisposable
{
    public const string Database = "connects";
    private readonly string _script, _runDir, _keepLogs, _log;
    private readonly Dictionary<string, string> _env;
    private readonly int _pgPort, _apiPort, _httpBase;
    private int _stopped;

    public LocalCluster(string root, string harnessRunDir, string name, bool rebalance)
    {
        _script = Path.Combine(root, "deploy", "local", "cluster.sh");
        _runDir = Path.Combine(harnessRunDir, name);
        _keepLogs = Path.Combine(harnessRunDir, name + "-logs");
        _log = Path.Combine(harnessRunDir, name + ".log");
        _pgPort = Orchestrator.FreePort();
        _apiPort = Orchestrator.FreePort();
        // Silo i listens on base + i (silo, gateway, HTTP): three ranges with room for a few silos added.
        var siloBase = FreeRange(8); var gatewayBase = FreeRange(8, siloBase + 8); _httpBase = FreeRange(8, gatewayBase + 8);
        _env = new Dictionary<string, string>
        {
            ["CONNECTS_RUN_DIR"] = _runDir,
            ["PG_PORT"] = Text(_pgPort),
            ["API_PORT"] = Text(_apiPort),
            ["SILO_PORT_BASE"] = Text(siloBase),
            ["GATEWAY_PORT_BASE"] = Text(gatewayBase),
            ["HTTP_PORT_BASE"] = Text(_httpBase),
            ["CONFIGURATION"] = "Release",
            ["SANDBOX"] = "false",
            ["API_ENVIRONMENT"] = "Development",
            ["Connects__Limits__WritesPerSecond"] = "1000000",
            ["Connects__Limits__WriteBurst"] = "1000000",
            ["Connects__Observability__Dashboard"] = "false",
            ["Connects__Silo__RebalanceActivations"] = rebalance ? "true" : "false",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
    }

    public string ApiUrl => $"http://127.0.0.1:{_apiPort}";
    public string SiloUrl(int silo) => $"http://127.0.0.1:{_httpBase + silo}";

    /// <summary>Npgsql connection string without a database.</summary>
    public string PgConnection => $"Host=127.0.0.1;Port={_pgPort};Username=postgres;Maximum Pool Size=20";

    public int PgPort => _pgPort;

    public void PgUp() => Script(TimeSpan.FromMinutes(5), "pg-up");

    /// <summary><c>cluster.sh up N</c>: PostgreSQL (already up is fine), the schema, N silos and the API, each waited ready.</summary>
    public void Up(int silos) => Script(TimeSpan.FromMinutes(6), "up", Text(silos));

    /// <summary>A cluster of <paramref name="silos"/> silos on an empty database of the same PostgreSQL server:
    /// <c>cluster.sh down</c> (the processes, the server too; its data stays), <c>pg-up</c>, the database dropped, <c>up N</c>.</summary>
    public void Fresh(int silos)
    {
        Script(TimeSpan.FromMinutes(3), "down");
        PgUp();
        using (var connection = new Npgsql.NpgsqlConnection($"{PgConnection};Database=postgres;Pooling=false"))
        {
            connection.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
        Up(silos);
    }

    /// <summary><c>cluster.sh add-silo</c>: one more silo, returned once it is ready; its number.</summary>
    public int AddSilo()
    {
        var before = Silos().Keys.ToHashSet();
        Script(TimeSpan.FromMinutes(3), "add-silo");
        return Silos().Keys.Single(k => !before.Contains(k));
    }

    /// <summary>Running silos: number -> process id (cluster.sh's pids/siloI.pid; it execs dotnet, so the pid is the silo's).</summary>
    public Dictionary<int, int> Silos()
    {
        var pids = new Dictionary<int, int>();
        var dir = Path.Combine(_runDir, "pids");
        if (!Directory.Exists(dir)) return pids;
        foreach (var file in Directory.EnumerateFiles(dir, "silo*.pid"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (int.TryParse(name["silo".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && ReadPid(file) is { } pid)
                pids[i] = pid;
        }
        return pids;
    }

    public int ApiPid => ReadPid(Path.Combine(_runDir, "pids", "api.pid")) ?? 0;

    /// <summary>The postmaster (first line of the data directory's postmaster.pid); its backends are its children.</summary>
    public int PostmasterPid => ReadPid(Path.Combine(_runDir, "pg", "data", "postmaster.pid")) ?? 0;

    /// <summary>CPU seconds so far of the silos (summed), the API, PostgreSQL (postmaster and backends) and this harness.</summary>
    public CpuSample Cpu()
    {
        var perSilo = Silos().ToDictionary(s => s.Key, s => ProcessCpu.Seconds(s.Value));
        return new CpuSample(perSilo.Values.Sum(), ProcessCpu.Seconds(ApiPid), ProcessCpu.TreeSeconds(PostmasterPid),
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, perSilo);
    }

    /// <summary>The pgbench binary of the server's PostgreSQL (pg_config's bindir, else the Debian layout), or null.</summary>
    public static string? PgBench()
    {
        var candidates = new List<string>();
        try
        {
            using var p = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var bin = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (bin.Length > 0) candidates.Add(Path.Combine(bin, "pgbench"));
        }
        catch (System.ComponentModel.Win32Exception) { }
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.EnumerateDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin", "pgbench")));
        candidates.Add("/usr/bin/pgbench");
        return candidates.FirstOrDefault(File.Exists);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            var logs = Path.Combine(_runDir, "logs");
            if (Directory.Exists(logs))
            {
                Directory.CreateDirectory(_keepLogs);
                foreach (var f in Directory.EnumerateFiles(logs)) File.Copy(f, Path.Combine(_keepLogs, Path.GetFileName(f)), overwrite: true);
            }
            Script(TimeSpan.FromMinutes(3), "down", "--purge");
            Console.WriteLine($"bench: cluster stopped and purged (cluster.sh down --purge; logs in {_keepLogs})");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"bench: could not stop the cluster: {e.Message}; see {_log}");
        }
    }

    private void Script(TimeSpan timeout, params string[] args) => ClusterScript.Run(_script, _env, _log, timeout, args);

    private static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadLines(file).FirstOrDefault()?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>A base port whose next <paramref name="count"/> ports are free on loopback, above <paramref name="above"/>.</summary>
    private static int FreeRange(int count, int above = 0)
    {
        var random = new Random();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Math.Max(above, 20000) + random.Next(0, 20000);
            if (Enumerable.Range(start + 1, count).All(Free)) return start;
        }
        throw new InvalidOperationException($"no {count} consecutive free ports found");

        static bool Free(int port)
        {
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return true;
            }
            catch (SocketException) { return false; }
        }
    }

    private static string Text(int i) => i.ToString(CultureInfo.InvariantCulture);
}
