using System.Diagnostics;
using System.Globalization;

namespace Connects.Bench;

/// <summary>
/// A PostgreSQL server of the harness's own, for <c>--topology postgresql</c> without <c>--pg</c>: started and
/// stopped with <c>deploy/local/cluster.sh pg-up</c> / <c>pg-down</c> (system binaries, run as the postgres user
/// when the harness is root) on a free port, its data and logs under <c>&lt;run dir&gt;/pg-cluster</c>.
/// Dispose stops it (once); the orchestrator disposes it on every way out of a run.
/// </summary>
public sealed class LocalPostgres : IDisposable
{
    private readonly string _script;
    private readonly Dictionary<string, string> _env;
    private readonly string _log;
    private int _stopped;

    private LocalPostgres(string script, Dictionary<string, string> env, string log, int port)
    {
        (_script, _env, _log) = (script, env, log);
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Maximum Pool Size=100";
    }

    /// <summary>Npgsql connection string without a database.</summary>
    public string ConnectionString { get; }

    public static LocalPostgres Start(string root, string runDir)
    {
        var port = Orchestrator.FreePort();
        var dir = Path.Combine(runDir, "pg-cluster");
        Directory.CreateDirectory(dir);
        var env = new Dictionary<string, string>
        {
            ["PG_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CONNECTS_RUN_DIR"] = dir,
        };
        var pg = new LocalPostgres(Path.Combine(root, "deploy", "local", "cluster.sh"), env, Path.Combine(runDir, "pg.log"), port);
        Console.WriteLine($"bench: starting PostgreSQL on 127.0.0.1:{port} (cluster.sh pg-up, data in {dir})");
        try
        {
            pg.Script("pg-up", TimeSpan.FromMinutes(5));
        }
        catch
        {
            pg.Dispose();
            throw;
        }
        return pg;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            Script("pg-down", TimeSpan.FromMinutes(2));
            Console.WriteLine("bench: PostgreSQL stopped (cluster.sh pg-down)");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"bench: could not stop PostgreSQL: {e.Message}; see {_log}");
        }
    }

    private void Script(string command, TimeSpan timeout) => ClusterScript.Run(_script, _env, _log, timeout, command);
}
