using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Connects.Bench;

/// <summary>Row count and size of the reminders table (PostgreSQL: pg_total_relation_size; SQLite: the rows' column
/// bytes); on PostgreSQL also its cumulative access counters (<c>pg_stat_user_tables</c>) and the grain-state
/// table's.</summary>
public sealed record ReminderTableSnapshot(long Rows, long? Bytes, PgTableStats? Reminders, PgTableStats? States);

public sealed record PgTableStats(long SeqScan, long SeqTupRead, long IdxScan, long IdxTupFetch, long TupIns, long TupUpd, long TupHotUpd, long TupDel)
{
    public PgTableStats Minus(PgTableStats b) => new(SeqScan - b.SeqScan, SeqTupRead - b.SeqTupRead, IdxScan - b.IdxScan,
        IdxTupFetch - b.IdxTupFetch, TupIns - b.TupIns, TupUpd - b.TupUpd, TupHotUpd - b.TupHotUpd, TupDel - b.TupDel);
}

/// <summary>A read of PostgreSQL's write-ahead log: its position and the records, full-page images and bytes written
/// since the server's statistics were reset.</summary>
public sealed record WalPosition(string Lsn, long Records, long FullPageImages, long Bytes)
{
    /// <summary>What was written from <paramref name="earlier"/> to this read.</summary>
    public object Since(WalPosition earlier) => new
    {
        fromLsn = earlier.Lsn, toLsn = Lsn, records = Records - earlier.Records, fullPageImages = FullPageImages - earlier.FullPageImages,
        bytes = Bytes - earlier.Bytes,
    };
}

/// <summary>One statement's share of the database's execution time in a run (<c>pg_stat_statements</c>).</summary>
public sealed record StatementCost(long Calls, double TotalMs, long Rows, long WalBytes, long BlocksDirtied, double Share, string Query);

/// <summary>Stored size of one grain state row (S4: what grows with a wallet's age).</summary>
public sealed record StateSize(string Kind, string Key, long Bytes);

/// <summary>
/// The harness's read-only look into the databases the product and the baseline host use: SQLite files under the
/// run directory (opened read-only; WAL lets the writer go on), or PostgreSQL databases <c>bench_*</c> on one server.
/// Table names are the project's schema (deploy/sql/*/0002_grain_storage.sql, 0003_reminders.sql).
/// </summary>
/// <remarks>The cluster topology reads the one database cluster.sh makes (<c>connects</c>): <paramref name="databasePrefix"/> empty.</remarks>
public sealed class BenchStorage(string topology, string runDir, string? pgBase, string databasePrefix = "bench_")
{
    public bool IsPostgreSql => topology is "postgresql" or "cluster";

    /// <summary>The product's / baseline host's settings for database <paramref name="name"/> (bench_<paramref name="name"/> on PostgreSQL).</summary>
    public void Configure(Dictionary<string, string> env, string name)
    {
        if (IsPostgreSql)
        {
            env["Connects__Storage__Provider"] = "postgresql";
            env["Connects__Storage__ConnectionString"] = PgConnection(name);
        }
        else
        {
            env["Connects__Storage__Provider"] = "sqlite";
            env["Connects__Storage__SqlitePath"] = SqlitePath(name);
        }
    }

    public string SqlitePath(string name) => Path.Combine(runDir, $"{name}.db");
    public string PgConnection(string name) => $"{pgBase};Database={databasePrefix}{name}";

    /// <summary>Creates the databases bench_<c>name</c> that do not exist; answers those that already did.</summary>
    public static async Task<List<string>> EnsurePgDatabases(string pgBase, IEnumerable<string> names)
    {
        var existing = new List<string>();
        await using var connection = new NpgsqlConnection($"{pgBase};Database=postgres;Pooling=false");
        await connection.OpenAsync();
        foreach (var name in names)
        {
            var db = $"bench_{name}";
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @db", connection);
            exists.Parameters.AddWithValue("db", db);
            if (await exists.ExecuteScalarAsync() is not null) { existing.Add(db); continue; }
            // A database name cannot be a parameter; these are the harness's own fixed names.
            await using var create = new NpgsqlCommand($"CREATE DATABASE {db}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return existing;
    }

    /// <summary>PostgreSQL: the transactions committed in database <paramref name="name"/> so far (<c>pg_stat_database.xact_commit</c>;
    /// a backend reports its counts when idle, within about 10 s). Null on SQLite.</summary>
    public async Task<long?> Commits(string name)
    {
        if (!IsPostgreSql) return null;
        await using var connection = await Open(name);
        return Convert.ToInt64(await Scalar(connection, $"SELECT xact_commit FROM pg_stat_database WHERE datname = '{databasePrefix}{name}'"),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>CPU seconds so far of the harness's own PostgreSQL (its postmaster and backends, <see cref="ProcessCpu.TreeSeconds"/>);
    /// null on SQLite or a server given with <c>--pg</c>.</summary>
    public double? PostgresCpuSeconds()
    {
        if (!IsPostgreSql) return null;
        var file = Path.Combine(runDir, "pg-cluster", "pg", "data", "postmaster.pid");
        if (!File.Exists(file)) return null;
        return int.TryParse(File.ReadLines(file).FirstOrDefault()?.Trim(), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var pid) ? ProcessCpu.TreeSeconds(pid) : null;
    }

    /// <summary>PostgreSQL: the server's write-ahead log so far (<c>pg_stat_wal</c>, cluster-wide, and the current LSN, for
    /// <c>pg_waldump</c>); null on SQLite.</summary>
    public async Task<WalPosition?> Wal(string name)
    {
        if (!IsPostgreSql) return null;
        await using var connection = await Open(name);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_current_wal_lsn()::text, wal_records, wal_fpi, wal_bytes::bigint FROM pg_stat_wal";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new WalPosition(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>PostgreSQL: forgets the statement statistics gathered so far (<c>pg_stat_statements</c>, which cluster.sh's
    /// server preloads); false when the server does not have it (a server given with <c>--pg</c>) or on SQLite.</summary>
    public async Task<bool> ResetStatements(string name)
    {
        if (!IsPostgreSql) return false;
        try
        {
            await using var connection = await Open(name);
            await Scalar(connection, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await Scalar(connection, "SELECT pg_stat_statements_reset()");
            return true;
        }
        catch (PostgresException e)
        {
            Console.WriteLine($"  pg_stat_statements unavailable ({e.MessageText}): no statement profile");
            return false;
        }
    }

    /// <summary>PostgreSQL: the <paramref name="top"/> statements of database <paramref name="name"/> that took most of its
    /// execution time since <see cref="ResetStatements"/>, each with its share of the time all statements took.</summary>
    public async Task<List<StatementCost>> TopStatements(string name, int top)
    {
        await using var connection = await Open(name);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.calls, s.total_exec_time, s.rows, s.wal_bytes, s.shared_blks_dirtied,
                   s.total_exec_time / NULLIF(SUM(s.total_exec_time) OVER (), 0),
                   left(regexp_replace(s.query, '\s+', ' ', 'g'), 140)
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = current_database()
            ORDER BY s.total_exec_time DESC LIMIT @top
            """;
        var p = command.CreateParameter();
        p.ParameterName = "top";
        p.Value = top;
        command.Parameters.Add(p);
        var costs = new List<StatementCost>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            costs.Add(new StatementCost(reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2), Convert.ToInt64(reader.GetDecimal(3)),
                reader.GetInt64(4), reader.IsDBNull(5) ? 0 : reader.GetDouble(5), reader.GetString(6)));
        return costs;
    }

    /// <summary>Whether the events table of database <paramref name="name"/> holds an event of <paramref name="subject"/>
    /// of <paramref name="type"/> with <paramref name="reference"/> (deploy/sql/*/..._events.sql).</summary>
    /// <summary>The id of the event of that subject, type and reference, once it is in the events table; else null.</summary>
    public async Task<string?> EventRecorded(string name, string subject, string type, string reference)
    {
        await using var connection = await Open(name);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EventId FROM ConnectsEvent WHERE Subject = @s AND Type = @t AND Reference = @r";
        foreach (var (key, value) in new[] { ("s", subject), ("t", type), ("r", reference) })
        {
            var p = command.CreateParameter();
            p.ParameterName = key;
            p.Value = value;
            command.Parameters.Add(p);
        }
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task<ReminderTableSnapshot> Reminders(string name)
    {
        await using var connection = await Open(name);
        var rows = Convert.ToInt64(await Scalar(connection, "SELECT COUNT(*) FROM OrleansRemindersTable"), System.Globalization.CultureInfo.InvariantCulture);
        if (!IsPostgreSql)
        {
            // The bundled SQLite has no dbstat: the size is the rows' column bytes (text lengths + 3 x 8 for the integers),
            // without page, primary-key and index overhead.
            var bytes = Convert.ToInt64(await Scalar(connection,
                "SELECT COALESCE(SUM(length(ServiceId) + length(GrainId) + length(ReminderName) + length(StartTime) + 24), 0) FROM OrleansRemindersTable"),
                System.Globalization.CultureInfo.InvariantCulture);
            return new ReminderTableSnapshot(rows, bytes, null, null);
        }
        var size = Convert.ToInt64(await Scalar(connection, "SELECT pg_total_relation_size('orleansreminderstable')"), System.Globalization.CultureInfo.InvariantCulture);
        return new ReminderTableSnapshot(rows, size, await Stats(connection, "orleansreminderstable"), await Stats(connection, "orleansstorage"));
    }

    /// <summary>Sizes of the stored states whose key contains <paramref name="keyContains"/> (wallet, receipts, statements).</summary>
    public async Task<List<StateSize>> StateSizes(string name, string keyContains)
    {
        await using var connection = await Open(name);
        await using var command = connection.CreateCommand();
        command.CommandText = IsPostgreSql
            ? "SELECT graintypestring, grainidextension, octet_length(payloadbinary) FROM orleansstorage WHERE grainidextension LIKE @k AND payloadbinary IS NOT NULL"
            : "SELECT GrainTypeString, GrainIdExtension, length(PayloadBinary) FROM OrleansStorage WHERE GrainIdExtension LIKE @k AND PayloadBinary IS NOT NULL";
        var p = command.CreateParameter();
        p.ParameterName = "k";
        p.Value = $"%{keyContains}%";
        command.Parameters.Add(p);
        var sizes = new List<StateSize>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) sizes.Add(new StateSize(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        return sizes;
    }

    private async Task<DbConnection> Open(string name)
    {
        DbConnection connection = IsPostgreSql
            ? new NpgsqlConnection(PgConnection(name) + ";Pooling=false")
            : new SqliteConnection($"Data Source={SqlitePath(name)};Mode=ReadOnly;Pooling=False;Default Timeout=30");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> Scalar(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<PgTableStats?> Stats(DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq_scan, seq_tup_read, COALESCE(idx_scan, 0), COALESCE(idx_tup_fetch, 0), n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del
            FROM pg_stat_user_tables WHERE relname = @t
            """;
        var p = command.CreateParameter();
        p.ParameterName = "t";
        p.Value = table;
        command.Parameters.Add(p);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        return new PgTableStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
            reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
    }
}
