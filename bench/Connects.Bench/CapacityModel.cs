using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Connects.Bench;

/// <summary>pgbench's single-row-update ceiling on the cluster's PostgreSQL: transactions per second, and PostgreSQL's
/// CPU seconds per transaction over the same window.</summary>
public sealed record PgBenchCeiling(double Tps, int Clients, int Threads, int Seconds, int Rows, double PgCpuPerTransaction, string Version);

/// <summary>
/// Measured costs of one operation (CPU seconds per process kind, database commits) and what they predict at a
/// given core count. The model, with c = CPU seconds per operation and d = commits per operation:
/// <list type="bullet">
/// <item>one machine of C cores running everything (as the harness does): X_cpu(C) = C / (c_silo + c_api + c_pg)
/// (the harness, which shares the machine: add c_generator);</item>
/// <item>PostgreSQL's ceiling on C cores: X_db(C) = min(C / c_pg, T_pgbench · (C / C_measured) / d): its CPU, or its
/// commit rate, taking pgbench's single-row-update rate as scaling with cores (an assumption the same run on a bigger
/// machine checks);</item>
/// <item>predicted throughput on C cores: min(X_cpu(C), X_db(C));</item>
/// <item>scale-out, each silo (with its share of the API) on a host of C cores and PostgreSQL on one host of C cores:
/// each silo adds C / (c_silo + c_api) operations per second, so the database is the ceiling from
/// N* = ceil(X_db(C) · (c_silo + c_api) / C) silos on.</item>
/// </list>
/// </summary>
public static class CapacityModel
{
    public static readonly int[] Cores = [8, 16, 64];

    public static async Task<PgBenchCeiling?> MeasurePgBench(LocalCluster cluster, string runDir, int seconds)
    {
        var pgbench = LocalCluster.PgBench();
        if (pgbench is null) { Console.WriteLine("  pgbench not found: no database ceiling in this run"); return null; }
        const int rows = 1000;
        const string database = "pgbench_ceiling";
        await using (var admin = new NpgsqlConnection($"{cluster.PgConnection};Database=postgres;Pooling=false"))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{database}'", admin);
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
        }
        await using (var db = new NpgsqlConnection($"{cluster.PgConnection};Database={database};Pooling=false"))
        {
            await db.OpenAsync();
            await using var init = new NpgsqlCommand($"""
                DROP TABLE IF EXISTS ceiling;
                CREATE TABLE ceiling (id int PRIMARY KEY, v bigint NOT NULL);
                INSERT INTO ceiling SELECT g, 0 FROM generate_series(1, {rows}) g;
                """, db);
            await init.ExecuteNonQueryAsync();
            await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE ceiling", db); // not in a batch: VACUUM runs alone
            await vacuum.ExecuteNonQueryAsync();
        }
        var script = Path.Combine(runDir, "pgbench-update.sql");
        await File.WriteAllTextAsync(script, $"\\set id random(1, {rows})\nUPDATE ceiling SET v = v + 1 WHERE id = :id;\n");
        // Few clients: the ceiling of single-row update commits, not of connection handling. Scales with the machine.
        var threads = Math.Max(1, Environment.ProcessorCount);
        var clients = Math.Min(64, 2 * threads);
        var psi = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", "-f", script, "-c", Text(clients), "-j", Text(threads), "-T", Text(seconds),
                     "-h", "127.0.0.1", "-p", Text(cluster.PgPort), "-U", "postgres", database })
            psi.ArgumentList.Add(a);
        var before = ProcessCpu.TreeSeconds(cluster.PostmasterPid);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start pgbench");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // pgbench's backends exit after it does, and their CPU reaches the postmaster's only once it has reaped them.
        await BackendsGone(cluster, database);
        var pgCpu = ProcessCpu.TreeSeconds(cluster.PostmasterPid) - before;
        var output = await stdout + await stderr;
        await File.WriteAllTextAsync(Path.Combine(runDir, "pgbench.log"), output);
        var tps = Regex.Match(output, @"tps = ([0-9.]+) \(without initial connection time\)");
        if (process.ExitCode != 0 || !tps.Success)
        {
            Console.WriteLine($"  pgbench failed ({process.ExitCode}); see {Path.Combine(runDir, "pgbench.log")}");
            return null;
        }
        var rate = double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
        var version = Regex.Match(output, @"^pgbench \(([0-9.]+)", RegexOptions.Multiline) is { Success: true } v ? v.Groups[1].Value : "?";
        var transactions = Regex.Match(output, @"number of transactions actually processed: ([0-9]+)") is { Success: true } t
            ? long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : (long)(rate * seconds);
        return new PgBenchCeiling(rate, clients, threads, seconds, rows, transactions > 0 ? pgCpu / transactions : double.NaN, version);
    }

    /// <summary>Waits (at most 10 s) until no session of <paramref name="database"/> is left, then a moment for the
    /// postmaster to reap the last backend.</summary>
    private static async Task BackendsGone(LocalCluster cluster, string database)
    {
        await using var admin = new NpgsqlConnection($"{cluster.PgConnection};Database=postgres;Pooling=false");
        await admin.OpenAsync();
        await using var sessions = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @database", admin);
        sessions.Parameters.AddWithValue("database", database);
        for (var tries = 0; tries < 100 && Convert.ToInt64(await sessions.ExecuteScalarAsync(), CultureInfo.InvariantCulture) > 0; tries++)
            await Task.Delay(100);
        await Task.Delay(200);
    }

    /// <summary>Per operation: CPU seconds of the silos, the API, PostgreSQL and the load generator; database commits.</summary>
    public sealed record Costs(double Silo, double Api, double Pg, double Generator, double? Commits);

    public sealed record Prediction(int Cores, double CpuBound, double HarnessCpuBound, double? DbCeiling, double Predicted, string Bound, int? SilosToDbCeiling);

    public static List<Prediction> Predict(Costs c, PgBenchCeiling? ceiling, int measuredCores)
    {
        var list = new List<Prediction>();
        foreach (var cores in Cores.Append(measuredCores).Distinct().Order())
        {
            var cpu = cores / (c.Silo + c.Api + c.Pg);
            var harness = cores / (c.Silo + c.Api + c.Pg + c.Generator);
            double? db = null;
            if (ceiling is not null && c.Commits is > 0)
                db = Math.Min(cores / c.Pg, ceiling.Tps * cores / measuredCores / c.Commits.Value);
            else if (c.Pg > 0)
                db = cores / c.Pg;
            var predicted = db is { } d ? Math.Min(cpu, d) : cpu;
            int? silos = db is { } dd ? (int)Math.Ceiling(dd * (c.Silo + c.Api) / cores) : null;
            list.Add(new Prediction(cores, cpu, harness, db, predicted, db is { } x && x < cpu ? "database" : "silos + API (CPU)", silos));
        }
        return list;
    }

    private static string Text(int i) => i.ToString(CultureInfo.InvariantCulture);
}
