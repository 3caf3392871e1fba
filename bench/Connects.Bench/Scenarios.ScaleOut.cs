using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Connects.Bench;

/// <summary>
/// S7, scale-out, on <c>--topology cluster</c>: S1 and S2 at each silo count of <c>--silos</c> (a fresh database and
/// cluster each, the same PostgreSQL server), with CPU seconds per 1,000 operations per process kind and database commits
/// per operation; S7-add, a silo added under S1 load and what it takes over; pgbench's single-row-update ceiling on the
/// same server; and the capacity model those figures give (see <see cref="CapacityModel"/>).
/// </summary>
public sealed partial class Scenarios
{
    /// <summary>One measured S7 window: the closed-loop run of <paramref name="Scenario"/> at <paramref name="Silos"/> silos.</summary>
    public sealed record ScaleOutStep(int Silos, string Scenario, long Operations, double Throughput, CpuSample Cpu, double? CommitsPerOperation)
    {
        public double PerThousand(double seconds) => seconds / Operations * 1000;
        public double CostPerThousand => PerThousand(Cpu.Product);
    }

    private readonly List<ScaleOutStep> _steps = [];

    /// <summary>The S7 runner: no baseline host and no API process of the harness's own (cluster.sh starts the API).</summary>
    public static Scenarios ForCluster(BenchOptions o, BenchStorage storage, string runDir)
    {
        var none = new ChildProcess("none", "true", [], runDir, runDir, []);
        return new Scenarios(o, storage, "http://127.0.0.1:1", "http://127.0.0.1:1", none, none,
            () => throw new InvalidOperationException("S5 does not run on the cluster topology"));
    }

    private void UseApi(string url)
    {
        _api = LoadGenerator.CreateClient(url, O.Connections);
        _s1Seq = -1;
    }

    /// <summary>S1 and S2 on a fresh cluster of <paramref name="silos"/> silos.</summary>
    public async Task ScaleOutAt(LocalCluster cluster, int silos)
    {
        Step($"S7: fresh database, {silos} silo(s) and the API (cluster.sh up {silos})");
        cluster.Fresh(silos);
        UseApi(cluster.ApiUrl);
        await SetupS1();
        await MeasureAt(cluster, silos, "S1", $"submit proposal, {silos} silo(s)", _ => S1Request(), Warmup);

        Step("setup S2: 1000 wallets + grants, one hot job");
        await Setup(Enumerable.Range(0, HotFreelancers).SelectMany(i => new Func<HttpRequestMessage>[]
        {
            () => Post($"/v1/freelancers/s2-f{i}/wallet", new { plan = "basic" }),
            () => Post($"/v1/admin/freelancers/s2-f{i}/grants", new { grantId = $"g-s2-{i}", amount = 100, reason = "bench" }),
        }), sequentialPerItem: 2);
        await Setup([() => Put("/v1/jobs/s2-hot", Job("hot"))]);
        await MeasureAt(cluster, silos, "S2", $"hot job: 1000 freelancers -> one job, {silos} silo(s)",
            n => n < HotFreelancers ? Post("/v1/jobs/s2-hot/proposals", new { freelancerId = $"s2-f{n}", expectedConnects = 16 }) : null,
            TimeSpan.Zero);
    }

    /// <summary>A closed-loop run with the CPU of every process kind read before and after it, and its commits.</summary>
    private async Task MeasureAt(LocalCluster cluster, int silos, string scenario, string what, Func<long, HttpRequestMessage?> next, TimeSpan warmup)
    {
        var id = $"S7-{scenario}@{silos}";
        long sent = 0;
        CpuSample? cpu = null;
        LoadResult? result = null;
        var commits = await CountingCommits(id, LocalCluster.Database, server: null, async () =>
        {
            var before = cluster.Cpu();
            result = await Load(id, what, _api, n =>
            {
                var request = next(n);
                if (request is not null) Interlocked.Increment(ref sent);
                return request;
            }, warmup: warmup);
            cpu = cluster.Cpu().Minus(before);
            return Interlocked.Read(ref sent);
        });
        var step = new ScaleOutStep(silos, scenario, Interlocked.Read(ref sent), result!.Throughput, cpu!, commits);
        _steps.Add(step);
        var i = _rows.FindLastIndex(r => r.Id == id);
        var cost = $"CPU s per 1,000 operations: silos {step.PerThousand(cpu!.Silos):F2}, API {step.PerThousand(cpu.Api):F2}, PostgreSQL {step.PerThousand(cpu.Postgres):F2} (total {step.CostPerThousand:F2}; load generator {step.PerThousand(cpu.Generator):F2}); {step.Operations} operations";
        _rows[i] = _rows[i] with { Note = _rows[i].Note.Length > 0 ? $"{cost}; {_rows[i].Note}" : cost };
        Console.WriteLine($"  {id}: {cost}");
    }

    /// <summary>The S7 summary rows: cost per operation at the most silos / at the fewest (target ≤ 1.2), per scenario.</summary>
    public void ScaleOutSummary(PgBenchCeiling? ceiling)
    {
        foreach (var scenario in new[] { "S1", "S2" })
        {
            var steps = _steps.Where(s => s.Scenario == scenario).OrderBy(s => s.Silos).ToList();
            if (steps.Count < 2) continue;
            var (few, many) = (steps[0], steps[^1]);
            var ratio = many.CostPerThousand / few.CostPerThousand;
            string Kind(Func<CpuSample, double> of) => $"{many.PerThousand(of(many.Cpu)) / few.PerThousand(of(few.Cpu)):F2}";
            _rows.Add(new Row($"S7-{scenario}", $"{scenario}: CPU per operation (silos + API + PostgreSQL) at {many.Silos} silos / at {few.Silos}",
                null, $"cost per op @{many.Silos} / @{few.Silos}", ratio, "≤ 1.2", ratio <= 1.2,
                $"per 1,000 operations {string.Join(", ", steps.Select(s => $"{s.CostPerThousand:F2} s @{s.Silos}"))}; by kind @{many.Silos}/@{few.Silos}: silos {Kind(c => c.Silos)}, API {Kind(c => c.Api)}, PostgreSQL {Kind(c => c.Postgres)}; " +
                $"throughput {string.Join(", ", steps.Select(s => $"{s.Throughput:F0}/s @{s.Silos}"))}; commits per operation {string.Join(", ", steps.Select(s => s.CommitsPerOperation is { } c ? $"{c:F2} @{s.Silos}" : $"— @{s.Silos}"))}"));
        }
        Extra["s7"] = _steps.Select(s => new
        {
            s.Silos, s.Scenario, s.Operations, s.Throughput, s.CommitsPerOperation,
            cpuSecondsPer1000 = new
            {
                silos = s.PerThousand(s.Cpu.Silos), api = s.PerThousand(s.Cpu.Api), postgres = s.PerThousand(s.Cpu.Postgres),
                total = s.CostPerThousand, generator = s.PerThousand(s.Cpu.Generator),
                perSilo = s.Cpu.PerSilo.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => s.PerThousand(p.Value)),
            },
        }).ToList();

        // The model from S1 (the operation a spike is made of) at the most silos measured: cross-silo calls included.
        var s1 = _steps.Where(s => s.Scenario == "S1").OrderBy(s => s.Silos).LastOrDefault();
        if (s1 is null) return;
        var costs = new CapacityModel.Costs(s1.Cpu.Silos / s1.Operations, s1.Cpu.Api / s1.Operations, s1.Cpu.Postgres / s1.Operations,
            s1.Cpu.Generator / s1.Operations, s1.CommitsPerOperation);
        var cores = Environment.ProcessorCount;
        var predictions = CapacityModel.Predict(costs, ceiling, cores);
        Extra["capacityModel"] = new
        {
            from = $"S7-S1@{s1.Silos}", measuredCores = cores, costs, pgbench = ceiling, predictions,
            formula = "X_cpu(C) = C / (c_silo + c_api + c_pg); X_db(C) = min(C / c_pg, T_pgbench * C / C_measured / d); X(C) = min(X_cpu, X_db); " +
                      "silos to the database ceiling N*(C) = ceil(X_db(C) * (c_silo + c_api) / C), each silo (with its API share) on a host of C cores",
        };
        if (ceiling is not null)
            _rows.Add(new Row("S7-pgbench", $"pgbench single-row UPDATE by random key ({ceiling.Rows} rows), -c {ceiling.Clients} -j {ceiling.Threads} -T {ceiling.Seconds}", null, null, null, "—", null,
                $"{ceiling.Tps:F0} tps; PostgreSQL {ceiling.PgCpuPerTransaction * 1000:F3} CPU s per 1,000 transactions; PostgreSQL {ceiling.Version}, same server as S7"));
        foreach (var p in predictions)
            _rows.Add(new Row($"S7-model@{p.Cores}", $"capacity model, {p.Cores} cores{(p.Cores == cores ? " (this machine)" : "")}", null, null, null, "—", null,
                $"CPU bound {p.CpuBound:F0} op/s (harness on the machine: {p.HarnessCpuBound:F0}); database ceiling {(p.DbCeiling is { } d ? $"{d:F0}" : "—")} op/s; predicted {p.Predicted:F0} op/s, bound by {p.Bound}; " +
                $"database the ceiling from {(p.SilosToDbCeiling is { } n ? n.ToString(CultureInfo.InvariantCulture) : "—")} silos of {p.Cores} cores"));
    }

    /// <summary>
    /// S7-add: 2 silos under S1 open-loop load (at <c>--open-fraction</c> of the S1 capacity measured first), then
    /// <c>cluster.sh add-silo</c>; for <c>--add-seconds</c> after the new silo is ready, every 5 s, each silo's activation
    /// count (its /metrics: Orleans' <c>orleans-catalog-activations</c>) and CPU, timed from when add-silo began. Reported: the new silo's share of the
    /// activations at the end and of the silos' CPU over the last 15 s, and the failed and 5xx answers before and after the
    /// add (target: none while grains move).
    /// </summary>
    public async Task ScaleOutAdd(LocalCluster cluster, bool rebalance)
    {
        const int initialSilos = 2;
        var sampleEvery = TimeSpan.FromSeconds(5);
        var prelude = TimeSpan.FromSeconds(10);
        Step($"S7-add: fresh database, {initialSilos} silos (rebalancer {(rebalance ? "on" : "off")})");
        cluster.Fresh(initialSilos);
        UseApi(cluster.ApiUrl);
        await SetupS1();
        var capacity = await Load("S7-add-cap", $"S1 closed loop, {initialSilos} silos (sets S7-add's rate)", _api, _ => S1Request());
        var rate = Math.Max(1, capacity.Throughput * O.OpenFraction);

        var answers = new ConcurrentQueue<(double At, int Status)>();
        var clock = Stopwatch.StartNew();
        using var counted = new HttpClient(new AnswerLog(answers, clock, new SocketsHttpHandler
        {
            MaxConnectionsPerServer = O.Connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false,
        }))
        { BaseAddress = new Uri(cluster.ApiUrl), Timeout = TimeSpan.FromSeconds(30) };
        using var stop = new CancellationTokenSource();
        var total = prelude + TimeSpan.FromSeconds(O.AddSeconds) + TimeSpan.FromMinutes(3); // the add's start-up is not known ahead; stopped below
        Step($"S7-add: S1 open loop at {rate:F0} req/s; add-silo after {prelude.TotalSeconds:0} s, then {O.AddSeconds} s of samples");
        var load = LoadGenerator.RunOpen("S7-add: S1 open loop while a silo is added", counted, O.Connections, rate, TimeSpan.Zero, total,
            _ => S1Request(), stop: stop.Token);

        var samples = new List<object>();
        var series = new List<(double At, Dictionary<int, long?> Activations, Dictionary<int, double> Cpu)>();
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        async Task Sample(double since)
        {
            var cpu = cluster.Cpu().PerSilo.ToDictionary(p => p.Key, p => p.Value);
            var activations = new Dictionary<int, long?>();
            foreach (var silo in cpu.Keys) activations[silo] = await Activations(metrics, cluster.SiloUrl(silo));
            series.Add((since, activations, cpu));
            samples.Add(new { seconds = Math.Round(since, 1), activations = activations.ToDictionary(a => a.Key.ToString(CultureInfo.InvariantCulture), a => a.Value),
                cpuSeconds = cpu.ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => Math.Round(c.Value, 2)) });
            Console.WriteLine($"  +{since:F0} s: activations {string.Join(", ", activations.Select(a => $"silo{a.Key} {a.Value?.ToString(CultureInfo.InvariantCulture) ?? "?"}"))}");
        }

        await Task.Delay(prelude);
        var addStarted = clock.Elapsed.TotalSeconds;
        await Sample(0);
        Step("S7-add: cluster.sh add-silo (under load)");
        var newSilo = await Task.Run(cluster.AddSilo);
        var added = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  silo{newSilo} ready {added - addStarted:F1} s after add-silo began");
        while (clock.Elapsed.TotalSeconds - added < O.AddSeconds)
        {
            await Task.Delay(sampleEvery);
            await Sample(clock.Elapsed.TotalSeconds - addStarted);
        }
        await stop.CancelAsync();
        var r = await load;
        PrintLoad(r);

        // The new silo's share of activations at the end; of the silos' CPU over the last 15 s (3 samples).
        var last = series[^1];
        var known = last.Activations.Values.All(v => v is not null);
        double? activationShare = known && last.Activations.Values.Sum() is > 0 and var sum ? last.Activations[newSilo]!.Value / (double)sum : null;
        var earlier = series[Math.Max(0, series.Count - 4)];
        var cpuDelta = last.Cpu.ToDictionary(c => c.Key, c => c.Value - earlier.Cpu.GetValueOrDefault(c.Key));
        var cpuShare = cpuDelta.Values.Sum() > 0 ? cpuDelta.GetValueOrDefault(newSilo) / cpuDelta.Values.Sum() : double.NaN;

        static bool Bad(int status) => status is 0 or >= 500;
        var before = answers.Where(a => a.At < addStarted).ToList();
        var during = answers.Where(a => a.At >= addStarted).ToList();
        var (badBefore, badDuring) = (before.Count(a => Bad(a.Status)), during.Count(a => Bad(a.Status)));
        var silos = initialSilos + 1;
        var fair = 1.0 / silos;
        AddLoadRow("S7-add", r, null, null, "no 5xx or failed answer during the add", badDuring == 0,
            $"open loop at {rate:F0} req/s ({O.OpenFraction:P0} of S7-add-cap); 5xx or failed: {badBefore} of {before.Count} before add-silo, {badDuring} of {during.Count} from add-silo to the end; late {r.Late}, not sent {r.NotSent}");
        _rows.Add(new Row("S7-add-share", $"silo{newSilo}'s share of activations {O.AddSeconds} s after it joined under S1 load (rebalancer {(rebalance ? "on" : "off")})",
            null, "share of activations", activationShare, $"≥ {fair / 2:F2} (half of a fair 1/{silos})", activationShare is { } s ? s >= fair / 2 : null,
            $"share of the silos' CPU over the last 15 s: {cpuShare:P0}; ready {added - addStarted:F1} s after add-silo began; activations at the end {string.Join(", ", last.Activations.Select(a => $"silo{a.Key} {a.Value?.ToString(CultureInfo.InvariantCulture) ?? "?"}"))}"));
        Extra["s7Add"] = new
        {
            rebalance, rate, newSilo, addSeconds = O.AddSeconds, readySeconds = added - addStarted, activationShare, cpuShare,
            failedOr5xx = new { before = badBefore, beforeAnswers = before.Count, during = badDuring, duringAnswers = during.Count },
            samples,
        };
    }

    /// <summary>A silo's activation count from its /metrics (Orleans' meter <c>orleans-catalog-activations</c>, in
    /// Prometheus' text format as <c>orleans_catalog_activations</c>); null if it does not answer or has no such line.</summary>
    private static async Task<long?> Activations(HttpClient http, string siloUrl)
    {
        try
        {
            var text = await http.GetStringAsync(siloUrl + "/metrics");
            long? total = null;
            foreach (Match m in ActivationLine().Matches(text))
                total = (total ?? 0) + (long)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return total;
        }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
    }

    [GeneratedRegex(@"^orleans_catalog_activations(?:\{[^}]*\})? ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex ActivationLine();

    /// <summary>Logs each answer's time and status (0: no answer) for S7-add's before/after counts.</summary>
    private sealed class AnswerLog(ConcurrentQueue<(double, int)> log, Stopwatch clock, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                log.Enqueue((clock.Elapsed.TotalSeconds, (int)response.StatusCode));
                return response;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                log.Enqueue((clock.Elapsed.TotalSeconds, 0));
                throw;
            }
        }
    }
}
