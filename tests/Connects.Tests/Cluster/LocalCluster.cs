using System.Diagnostics;
using System.Globalization;
using Connects.Tests.Support;
using Npgsql;

namespace Connects.Tests.Cluster;

/// <summary>
/// A real cluster on loopback brought up by the operators' own script (deploy/local/cluster.sh):
/// PostgreSQL from the system binaries, the project's migrations, silo processes and the API as an
/// Orleans client. Each instance has its own folder, database server and ports.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly string _runDirectory;

    private LocalCluster(Dictionary<string, string> environment, string runDirectory, int apiPort, int httpBase, int pgPort)
    {
        _environment = environment;
        _runDirectory = runDirectory;
        HttpBase = httpBase;
        PgPort = pgPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    /// <summary>The folder of the processes' logs: api.log, silo1.log, ...</summary>
    public string LogsFolder => Path.Combine(_runDirectory, "logs");
    public int HttpBase { get; }
    public int PgPort { get; }
    // No pooling: the tests restart PostgreSQL, and a pooled connection would not survive it.
    public string ConnectionString => $"Host=127.0.0.1;Port={PgPort};Database=connects;Username=postgres;Pooling=false";

    /// <summary>Starts PostgreSQL, migrates and starts <paramref name="silos"/> silos and the API.
    /// Extra settings (e.g. <c>Connects__Wallet__HoldDuration</c>) reach every process.</summary>
    /// <param name="defaultLogging">Leave every process at the log levels of its own settings (else Warning, to keep test logs short).</param>
    public static async Task<LocalCluster> Up(int silos, IReadOnlyDictionary<string, string>? settings = null, bool defaultLogging = false)
    {
        var cluster = Create(settings, defaultLogging);
        try
        {
            await cluster.Script("up", silos.ToString(CultureInfo.InvariantCulture));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Only the PostgreSQL server of a cluster (<c>cluster.sh pg-up</c>), for tests that host the storage in-process;
    /// <see cref="DisposeAsync"/> stops it and deletes its data.</summary>
    public static async Task<LocalCluster> PostgreSqlOnly()
    {
        var cluster = Create(null, defaultLogging: false);
        try
        {
            await cluster.Script("pg-up");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>A connection string to database <paramref name="database"/> of this server as the product would be given
    /// it (pooled), for storage hosted in the test process.</summary>
    public string ProductConnectionString(string database) => $"Host=127.0.0.1;Port={PgPort};Database={database};Username=postgres";

    private static LocalCluster Create(IReadOnlyDictionary<string, string>? settings, bool defaultLogging)
    {
        var run = Path.Combine(Path.GetTempPath(), "connects-cluster-tests", Guid.NewGuid().ToString("N")[..10]);
        // Silo I uses base + I of each block; blocks are 10 wide and checked free, so processes never collide.
        var ports = FreeBlock(40);
        var (pg, api, silo, gateway, http) = (ports, ports + 1, ports + 9, ports + 19, ports + 29);
        var environment = new Dictionary<string, string>
        {
            ["CONNECTS_RUN_DIR"] = run,
            ["PG_PORT"] = pg.ToString(CultureInfo.InvariantCulture),
            ["API_PORT"] = api.ToString(CultureInfo.InvariantCulture),
            ["SILO_PORT_BASE"] = silo.ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_PORT_BASE"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["HTTP_PORT_BASE"] = http.ToString(CultureInfo.InvariantCulture),
            ["CONFIGURATION"] = Repository.Configuration,
            ["SANDBOX"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
            // The load comes from one test process: it is the whole web tier, not one caller to limit.
            ["Connects__Limits__WritesPerSecond"] = "1000000",
            ["Connects__Limits__WriteBurst"] = "1000000",
        };
        if (defaultLogging) environment.Remove("Logging__LogLevel__Default");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        return new LocalCluster(environment, run, api, http, pg);
    }

    /// <summary>The number of the silo listening on <paramref name="siloPort"/> (silo I listens on SILO_PORT_BASE + I).</summary>
    public int SiloListeningOn(int siloPort) => siloPort - int.Parse(_environment["SILO_PORT_BASE"], CultureInfo.InvariantCulture);

    public Task<string> AddSilo() => Script("add-silo");
    public Task<string> KillSilo(int silo) => Script("kill-silo", silo.ToString(CultureInfo.InvariantCulture));
    public Task<string> StopSilo(int silo) => Script("stop-silo", silo.ToString(CultureInfo.InvariantCulture));
    public Task<string> Status() => Script("status");
    public Task<string> Down() => Script("down");
    public Task<string> UpAgain(int silos) => Script("up", silos.ToString(CultureInfo.InvariantCulture));

    public async Task<NpgsqlConnection> OpenDatabase()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> Scalar<T>(string sql)
    {
        await using var connection = await OpenDatabase();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>The sum of a Prometheus metric's samples on silo <paramref name="silo"/>'s /metrics.</summary>
    public async Task<double> SiloMetric(int silo, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{HttpBase + silo}/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static int FreeBlock(int size)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Random.Shared.Next(20_000, 32_000 - size);
            if (Enumerable.Range(start, size).All(IsFree)) return start;
        }
        throw new InvalidOperationException($"No {size} consecutive free ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async Task<string> Script(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "deploy", "local", "cluster.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}\n{Logs()}");
        return text;
    }

    private string Logs()
    {
        var logs = Path.Combine(_runDirectory, "logs");
        if (!Directory.Exists(logs)) return "";
        return string.Join("\n", Directory.GetFiles(logs).Select(f => $"--- {Path.GetFileName(f)} (tail)\n{string.Join('\n', File.ReadLines(f).TakeLast(15))}"));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Script("down", "--purge");
        }
        catch (InvalidOperationException)
        {
            // Best effort: a failed start may have left nothing to stop.
        }
        Http.Dispose();
    }
}

/// <summary>
/// Cluster tests run one at a time and, once every other test has run, alone: each starts PostgreSQL and several
/// processes and loads them with 8 callers, which takes both cores of a 2-core machine. Beside other tests they starved
/// them (and were starved by them).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessesCollection
{
    public const string Name = "cluster processes";
}
