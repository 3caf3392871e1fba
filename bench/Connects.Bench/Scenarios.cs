using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Connects.Domain;

namespace Connects.Bench;

/// <summary>One line of the results: a load result, or a single measured figure (B5, S5, S6), with its ratio and target (from issue #5).</summary>
public sealed record Row(string Id, string What, LoadResult? Load, string? RatioOf, double? Ratio, string Target, bool? Met, string Note = "");

public sealed partial class Scenarios(BenchOptions o, BenchStorage storage, string apiUrl, string baseUrl, ChildProcess api, ChildProcess baseline,
    Func<Task<(ChildProcess Process, string Url)>> startS5Api)
{
    private const int S1Freelancers = 1000, S1Jobs = 997; // coprime: submission k -> (k % 1000, k % 997) is a distinct pair for k < 997,000
    private const int HotFreelancers = 1000;
    private const double S1P99TargetMs = 50;
    private const int RefreshParallelism = 64;
    private HttpClient _api = LoadGenerator.CreateClient(apiUrl, o.Connections);
    private readonly HttpClient _base = LoadGenerator.CreateClient(baseUrl, o.Connections);
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, LoadResult> _byId = [];
    /// <summary>Last S1 submission index used on the current API: every S1 request, closed or open loop, is a new pair.</summary>
    private long _s1Seq = -1;
    /// <summary>S4's latencies (ms) per class, for the bootstrap interval of the ratio.</summary>
    private readonly Dictionary<string, double[]> _samples = [];
    public Dictionary<string, object> Extra { get; } = [];
    public List<Row> Rows => _rows;
    /// <summary>The options, for the other parts of this class (a primary constructor's parameters are seen only here).</summary>
    private BenchOptions O => o;

    private TimeSpan Warmup => TimeSpan.FromSeconds(o.Warmup);
    private TimeSpan Duration => TimeSpan.FromSeconds(o.Duration);
    private bool On(string s) => o.Scenarios.Contains(s);
    private bool S1TargetApplies => storage.IsPostgreSql;

    public async Task<(List<Row> Rows, Dictionary<string, object> Extra)> RunAll()
    {
        // Baselines first, always (every ratio needs them), on the bench-only host.
        await Load("B1", "plain Kestrel endpoint (bench host)", _base, n => Get("/baseline/plain"));
        await Load("B2", "HTTP -> grain that does nothing", _base, n => Get($"/baseline/noop/n{n % 1000}"));
        await CountingCommits("B3", "baseline", baseline, async () =>
        {
            long sent = 0;
            await Load("B3", "HTTP -> grain, one durable write (ADO.NET storage)", _base, n =>
            {
                Interlocked.Increment(ref sent);
                return Post($"/baseline/write/w{n % 1000}", null);
            });
            return sent;
        });
        await OpenAfter("B3", "B3o", _base, n => Post($"/baseline/write/w{n % 1000}", null));

        if (On("S1") || On("S3") || On("S2") || On("S1E")) await SetupS1();
        if (On("S1"))
        {
            await CountingCommits("S1", "api", api, async () =>
            {
                var first = Interlocked.Read(ref _s1Seq);
                await ProfilingStatements("S1", "api", () => Load("S1", "submit proposal, distinct freelancers x jobs", _api, _ => S1Request(),
                    ratioOf: "B3", target: 0.5, note: "2 durable writes per submission, waited for together (wallet hold, job record); the capture rides on a later wallet write"));
                return Interlocked.Read(ref _s1Seq) - first;
            });
            await OpenAfter("S1", "S1o", _api, _ => S1Request(), p99TargetMs: S1P99TargetMs);
        }
        if (On("S1E")) await WithEvents(); // right after S1, for S1E / S1 in the same run
        if (On("S3"))
        {
            await Load("S3", "wallet read (GET wallet)", _api, n => Get($"/v1/freelancers/s1-f{n % S1Freelancers}/wallet"), ratioOf: "B2", target: 0.5);
            await OpenAfter("S3", "S3o", _api, n => Get($"/v1/freelancers/s1-f{n % S1Freelancers}/wallet"));
        }
        if (On("S2"))
        {
            Step("setup S2: 1000 wallets + grants, one hot job");
            await Setup(Enumerable.Range(0, HotFreelancers).SelectMany(i => new Func<HttpRequestMessage>[]
            {
                () => Post($"/v1/freelancers/s2-f{i}/wallet", new { plan = "basic" }),
                () => Post($"/v1/admin/freelancers/s2-f{i}/grants", new { grantId = $"g-s2-{i}", amount = 100, reason = "bench" }),
            }), sequentialPerItem: 2);
            await Setup([() => Put("/v1/jobs/s2-hot", Job("hot"))]);
            // Exactly 1,000 submissions (one per freelancer), no warm-up: the run ends when they are all answered.
            await Load("S2", "hot job: 1000 freelancers -> one job", _api,
                n => n < HotFreelancers ? Post("/v1/jobs/s2-hot/proposals", new { freelancerId = $"s2-f{n}", expectedConnects = 16 }) : null,
                ratioOf: "S1", target: 0.5, warmup: TimeSpan.Zero, note: "bounded at 1000 requests");
        }
        if (On("S2B")) await BoostedHotJob();
        if (On("S4")) await AccountAge();
        if (On("S8")) await HiringSpike();
        if (On("S6")) await Memory();
        Extra["apiRssBytesAtEnd"] = api.RssBytes();
        // Last: S5 stops the main API and starts its own (100,000 wallets of its own).
        if (On("S5")) await FirstOfTheMonth();
        Extra["baselineHostRssBytesAtEnd"] = baseline.RssBytes();
        return (_rows, Extra);
    }

    /// <summary>
    /// S2B (issue #13): S2 with boosted proposals. 1,000 distinct freelancers submit to one hot job; 30 % of them (the first
    /// 300, so their proposals are in before their raises) submit with a bid and then raise it once, each raise charging the
    /// difference or re-entering the top spots for the whole bid, and pushing the lowest winner out (its return delivered
    /// at once). Exactly 1,300 requests, no warm-up; throughput as a ratio to S2 of the same run.
    /// </summary>
    private async Task BoostedHotJob()
    {
        const int bidders = HotFreelancers * 3 / 10;
        Step("setup S2B: 1000 wallets + grants, one hot job");
        await Setup(Enumerable.Range(0, HotFreelancers).SelectMany(i => new Func<HttpRequestMessage>[]
        {
            () => Post($"/v1/freelancers/s2b-f{i}/wallet", new { plan = "basic" }),
            () => Post($"/v1/admin/freelancers/s2b-f{i}/grants", new { grantId = $"g-s2b-{i}", amount = 100, reason = "bench" }),
        }), sequentialPerItem: 2);
        await Setup([() => Put("/v1/jobs/s2b-hot", Job("hot-boost"))]);
        static int FirstBid(int i) => 1 + i * 7 % 40;
        await Load("S2B", "hot job, boosted: 1000 freelancers -> one job, 30 % bid and raise", _api, n =>
            n < HotFreelancers
                ? Post("/v1/jobs/s2b-hot/proposals", n < bidders
                    ? new { freelancerId = $"s2b-f{n}", expectedConnects = 16, boostBid = (int?)FirstBid((int)n) }
                    : new { freelancerId = $"s2b-f{n}", expectedConnects = 16, boostBid = (int?)null })
                : n < HotFreelancers + bidders
                    ? Put($"/v1/jobs/s2b-hot/proposals/s2b-f{n - HotFreelancers}/boost", new { bid = FirstBid((int)(n - HotFreelancers)) + 5 + (int)(n % 20) })
                    : null,
            ratioOf: "S2", target: 0.5, warmup: TimeSpan.Zero, note: $"bounded at {HotFreelancers + bidders} requests: {HotFreelancers} submissions ({bidders} with a bid), {bidders} raises");
    }

    private async Task SetupS1()
    {
        Step("setup S1/S3: 1000 wallets + grants, 997 jobs");
        await Setup(Enumerable.Range(0, S1Freelancers).SelectMany(i => new Func<HttpRequestMessage>[]
        {
            () => Post($"/v1/freelancers/s1-f{i}/wallet", new { plan = "basic" }),
            () => Post($"/v1/admin/freelancers/s1-f{i}/grants", new { grantId = $"g-s1-{i}", amount = 10000, reason = "bench" }),
        }), sequentialPerItem: 2);
        await Setup(Enumerable.Range(0, S1Jobs).Select(k => (Func<HttpRequestMessage>)(() => Put($"/v1/jobs/s1-j{k}", Job($"c{k % 8}")))));
    }

    /// <summary>
    /// The cost of one operation of a closed-loop run (<paramref name="run"/> returns the operations it sent, warm-up
    /// included), on both topologies: the CPU milliseconds per operation of the process that served it
    /// (<paramref name="server"/>: the API, or the bench host for the baselines; none for S7, which reads every
    /// process kind itself) and of the harness's PostgreSQL, over the
    /// run, added to the row's note and to <c>extra.cpuPerOperation</c>: the same-run figure an optimisation of the
    /// write path is judged by, steadier than throughput on a noisy machine.
    /// <para>PostgreSQL also: database commits per operation: <c>xact_commit</c> of <paramref name="database"/> before the
    /// run and 11 s after it (backends report when idle), less the background's own commits (sandbox clock poll, reminder
    /// and membership reads) over the same time, measured in the next 11 s of quiet. Added to the row's note and to
    /// <c>extra.commitsPerOperation</c>; returned (null on SQLite).</para>
    /// </summary>
    private async Task<double?> CountingCommits(string id, string database, ChildProcess? server, Func<Task<long>> run)
    {
        var before = await storage.Commits(database);
        var (cpu0, pgCpu0) = (server is null ? 0 : ProcessCpu.Seconds(server.Pid), storage.PostgresCpuSeconds());
        var clock = Stopwatch.StartNew();
        var operations = await run();
        if (server is not null && operations > 0)
            CpuPerOperation(id, new Cpu(ProcessCpu.Seconds(server.Pid) - cpu0, storage.PostgresCpuSeconds() - pgCpu0, clock.Elapsed.TotalSeconds), operations);
        if (before is null || operations == 0) return null;
        await Task.Delay(TimeSpan.FromSeconds(11));
        var after = await storage.Commits(database);
        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(11));
        var idlePerSecond = (await storage.Commits(database) - after)!.Value / 11.0;
        var commits = after!.Value - before.Value - idlePerSecond * elapsed;
        var perOperation = commits / operations;
        var figures = (Dictionary<string, object>)(Extra.TryGetValue("commitsPerOperation", out var c) ? c : Extra["commitsPerOperation"] = new Dictionary<string, object>());
        figures[id] = new { operations, commits = Math.Round(commits), idleCommitsPerSecond = Math.Round(idlePerSecond, 2), perOperation = Math.Round(perOperation, 2) };
        var i = _rows.FindLastIndex(r => r.Id == id);
        if (i >= 0) _rows[i] = _rows[i] with { Note = $"{_rows[i].Note}{(_rows[i].Note.Length > 0 ? "; " : "")}{perOperation:F2} database commits per operation" };
        Console.WriteLine($"  {id}: {perOperation:F2} commits per operation ({commits:F0} commits for {operations} operations, background {idlePerSecond:F2}/s subtracted)");
        return perOperation;
    }

    private void CpuPerOperation(string id, Cpu cpu, long operations)
    {
        var per = cpu.PerItemMs(operations);
        var figures = (Dictionary<string, object>)(Extra.TryGetValue("cpuPerOperation", out var c) ? c : Extra["cpuPerOperation"] = new Dictionary<string, object>());
        figures[id] = new { operations, serverMs = Math.Round(per.Process, 3), postgresMs = per.Postgres is { } pg ? Math.Round(pg, 3) : (double?)null, cores = Math.Round(cpu.Cores, 2) };
        var text = $"{per.Process:F2} ms server CPU{(per.Postgres is { } p ? $" + {p:F2} ms PostgreSQL CPU" : "")} per operation";
        var i = _rows.FindLastIndex(r => r.Id == id);
        if (i >= 0) _rows[i] = _rows[i] with { Note = $"{_rows[i].Note}{(_rows[i].Note.Length > 0 ? "; " : "")}{text}" };
        Console.WriteLine($"  {id}: {text} ({operations} operations, {cpu.Cores:F2} cores busy)");
    }

    /// <summary>
    /// PostgreSQL: the statements that took most of the database's execution time during <paramref name="run"/>
    /// (<c>pg_stat_statements</c>, reset before it), printed and kept in <c>extra.statements</c>: which statement a
    /// scenario's database time goes to, with its calls, rows, WAL bytes and share. Nothing on SQLite.
    /// </summary>
    private async Task ProfilingStatements(string id, string database, Func<Task> run)
    {
        var profiling = await storage.ResetStatements(database);
        await run();
        if (!profiling) return;
        var top = await storage.TopStatements(database, 6);
        var figures = (Dictionary<string, object>)(Extra.TryGetValue("statements", out var f) ? f : Extra["statements"] = new Dictionary<string, object>());
        figures[id] = top;
        Console.WriteLine($"  {id}: the database's time by statement (pg_stat_statements)");
        foreach (var t in top)
            Console.WriteLine($"    {t.Share,6:P1} {t.TotalMs,9:F0} ms {t.Calls,8} calls {t.Rows,8} rows {t.WalBytes / 1024,8} KiB WAL  {t.Query}");
    }

    /// <summary>
    /// S8, a hiring spike: <c>--s8-jobs</c> jobs each receive <c>--s8-applicants</c> distinct applicants within
    /// <c>--s8-seconds</c> (open loop at jobs x applicants / seconds; the same applicants apply to every job, each at its own
    /// moment, as freelancers do in a spike), while S1-style submissions on other jobs and wallet reads run open loop beside
    /// it at <c>--s8-background-rate</c> each (default: 30% of S1's closed-loop throughput, else 20 req/s). Each class is
    /// reported with its p99; the target: no 5xx and no request slower than the API's cluster timeout.
    /// </summary>
    private async Task HiringSpike()
    {
        var (jobs, applicants, seconds) = (o.SpikeJobs, o.SpikeApplicants, o.SpikeSeconds);
        if (!On("S1")) await SetupS1();
        Step($"setup S8: {applicants} applicants (wallet + grant), {jobs} spike jobs");
        var grant = 16 * jobs + 100;
        await Setup(Enumerable.Range(0, applicants).SelectMany(i => new Func<HttpRequestMessage>[]
        {
            () => Post($"/v1/freelancers/s8-f{i}/wallet", new { plan = "basic" }),
            () => Post($"/v1/admin/freelancers/s8-f{i}/grants", new { grantId = $"g-s8-{i}", amount = grant, reason = "bench" }),
        }), sequentialPerItem: 2);
        await Setup(Enumerable.Range(0, jobs).Select(j => (Func<HttpRequestMessage>)(() => Put($"/v1/jobs/s8-j{j}", Job("spike")))));

        var total = (long)jobs * applicants;
        var spikeRate = total / (double)seconds;
        var background = o.SpikeBackgroundRate ?? (_byId.TryGetValue("S1", out var s1) ? Math.Max(1, s1.Throughput * 0.3) : 20);
        var window = TimeSpan.FromSeconds(seconds);
        // Request k: job k mod J; its applicants in an order shifted per job, so one freelancer's submissions to the J jobs
        // are spread over the minute rather than sent back to back.
        HttpRequestMessage? Spike(long k) => k >= total ? null
            : Post($"/v1/jobs/s8-j{k % jobs}/proposals",
                new { freelancerId = $"s8-f{(k / jobs + k % jobs * (applicants / jobs + 1)) % applicants}", expectedConnects = 16 });
        Step($"S8: {total} submissions to {jobs} jobs at {spikeRate:F0} req/s for {seconds} s; beside it S1 submissions and wallet reads at {background:F0} req/s each");
        var spikeConnections = Math.Max(1, o.Connections * 3 / 4);
        var sideConnections = Math.Max(1, o.Connections / 8);
        var spikeRun = LoadGenerator.RunOpen($"S8 spike: {jobs} jobs x {applicants} applicants in {seconds} s", _api, spikeConnections, spikeRate,
            TimeSpan.Zero, window, Spike);
        var submitRun = LoadGenerator.RunOpen("S8 beside the spike: S1 submissions", _api, sideConnections, background, TimeSpan.Zero, window, _ => S1Request());
        var readRun = LoadGenerator.RunOpen("S8 beside the spike: wallet reads", _api, sideConnections, background, TimeSpan.Zero, window,
            n => Get($"/v1/freelancers/s1-f{n % S1Freelancers}/wallet"));
        var timeout = Connects.Silo.ConnectsHosting.ResponseTimeout; // the cluster's response timeout: a call waits no longer
        foreach (var (id, run) in new[] { ("S8-spike", spikeRun), ("S8-submit", submitRun), ("S8-read", readRun) })
        {
            var r = await run;
            PrintLoad(r);
            var fivexx = r.Statuses.Where(st => st.Key.StartsWith('5')).Sum(st => st.Value);
            var met = fivexx == 0 && r.MaxMs <= timeout.TotalMilliseconds && r.NotSent == 0;
            AddLoadRow(id, r, null, null, $"no 5xx; max ≤ {timeout.TotalSeconds:0} s", met,
                $"open loop at {r.TargetRate:F0} req/s; {fivexx} 5xx; max {r.MaxMs / 1000:F2} s; late {r.Late}, not sent {r.NotSent}");
        }
        Extra["s8"] = new { jobs, applicants, seconds, spikeRate, backgroundRate = background, spikeConnections, sideConnections };
    }

    /// <summary>The next S1 submission: a (freelancer, job) pair not used before on this API.</summary>
    private HttpRequestMessage S1Request()
    {
        var k = Interlocked.Increment(ref _s1Seq);
        return Post($"/v1/jobs/s1-j{k % S1Jobs}/proposals", new { freelancerId = $"s1-f{k % S1Freelancers}", expectedConnects = 16 });
    }

    /// <summary>
    /// S5, first of the month, on its own API and database: B5 (N single durable
    /// writes on the bench host), N wallets opened, S1 open loop at a modest rate before, then the sandbox clock
    /// advanced P31D so every wallet's cycle ends at one instant; S1 open loop again while /metrics is polled until
    /// every due refresh has been applied (connects_refresh_lag_seconds_count, recorded once per applied refresh
    /// after the wallet's durable write).
    /// </summary>
    private async Task FirstOfTheMonth()
    {
        var n = o.RefreshWallets;
        Step("S5: stopping the main API; starting S5's own API and database");
        api.Dispose();
        var (s5Api, url) = await startS5Api();
        try
        {
            _api = LoadGenerator.CreateClient(url, o.Connections);
            _s1Seq = -1;
            using var probe = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
            await SetupS1();

            // B5 while the storage is quiet (before S5's wallets exist).
            Step($"B5: {n} single durable writes on {n} distinct OneWriteGrain ids, {RefreshParallelism} at a time (bench host)");
            using var slow = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(o.S5TimeoutSeconds) };
            var (b5HostCpu0, b5PgCpu0) = (ProcessCpu.Seconds(baseline.Pid), storage.PostgresCpuSeconds());
            var b5Response = await slow.PostAsync($"/baseline/writes?prefix=b5&count={n}&parallelism={RefreshParallelism}", null);
            b5Response.EnsureSuccessStatusCode();
            var b5 = JsonSerializer.Deserialize<BatchWrites>(await b5Response.Content.ReadAsStringAsync(), Orchestrator.Json)!;
            // CPU per B5 write, activation included (the endpoint activates its grains first): an upper bound of a write's cost.
            var b5Cpu = new Cpu(ProcessCpu.Seconds(baseline.Pid) - b5HostCpu0, storage.PostgresCpuSeconds() - b5PgCpu0, b5.Seconds + b5.ActivateSeconds);
            Console.WriteLine($"  {b5.Seconds:F1} s ({n / b5.Seconds:F0} writes/s); activation first, untimed: {b5.ActivateSeconds:F1} s");
            _rows.Add(new Row("B5", $"{n} single durable writes on {n} distinct grains ({RefreshParallelism} at a time, bench host)", null, null, null, "—", null,
                $"{b5.Seconds:F1} s ({n / b5.Seconds:F0} writes/s); grains activated first, untimed ({b5.ActivateSeconds:F1} s)"));

            // N wallets, opened through the API in parallel; their billing anchors give each one's due refreshes.
            var remindersBeforeOpening = await storage.Reminders("api_s5"); // the 31 renewal cohorts' reminders
            var rssBefore = s5Api.RssBytes();
            Step($"setup S5: opening {n} wallets ({RefreshParallelism} at a time)");
            var anchors = new DateTimeOffset[n];
            var opened = 0;
            var setupClock = Stopwatch.StartNew();
            using (var progress = new Timer(_ => Console.WriteLine($"  {Volatile.Read(ref opened)} / {n} wallets opened, {setupClock.Elapsed.TotalSeconds:F0} s"),
                       null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)))
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = RefreshParallelism }, async (i, ct) =>
                {
                    var view = await SendForJson(() => Post($"/v1/freelancers/s5-f{i}/wallet", new { plan = "basic" }), ct);
                    anchors[i] = view.GetProperty("billingAnchor").GetDateTimeOffset();
                    Interlocked.Increment(ref opened);
                });
            }
            var setupSeconds = setupClock.Elapsed.TotalSeconds;
            var rssAfter = s5Api.RssBytes();
            Console.WriteLine($"  {n} wallets in {setupSeconds:F0} s; API RSS {rssBefore / 1048576.0:F0} -> {rssAfter / 1048576.0:F0} MB");

            // S1's rate: --s5-rate, else 30% of S1's closed-loop throughput on this API, now, with its N wallets
            // (its wallets open): the same conditions as the measurement.
            var rate = o.S5Rate ?? 0.0;
            if (o.S5Rate is null)
            {
                var capacity = await Load("S5-S1cap", $"S1 closed loop on S5's API with its {n} wallets", _api, _ => S1Request(),
                    note: "capacity for S5's S1 rate (30% of it)");
                rate = Math.Max(1, 0.3 * capacity.Throughput);
            }

            // What the API and the database do with no load at all, with the wallets open: the floor under every window below.
            var (idleApiCpu0, idlePgCpu0, idleClock) = (ProcessCpu.Seconds(s5Api.Pid), storage.PostgresCpuSeconds(), Stopwatch.StartNew());
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idleCpu = new Cpu(ProcessCpu.Seconds(s5Api.Pid) - idleApiCpu0, storage.PostgresCpuSeconds() - idlePgCpu0, idleClock.Elapsed.TotalSeconds);
            // The database's share where it is measured: PostgreSQL started by the harness; SQLite runs inside the API process.
            string Db(double? value, string unit) => value is { } v
                ? $", PostgreSQL {v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}{unit}"
                : storage.IsPostgreSql ? ", PostgreSQL not measured (--pg)" : ", SQLite inside the API process";
            Console.WriteLine($"  idle, {n} wallets open: API {idleCpu.Process / idleCpu.Seconds:F2} cores{Db(idleCpu.Postgres / idleCpu.Seconds, " cores")}");
            var walBeforeS1 = await storage.Wal("api_s5");
            var (s1ApiCpu0, s1PgCpu0) = (ProcessCpu.Seconds(s5Api.Pid), storage.PostgresCpuSeconds());
            var s1Clock = Stopwatch.StartNew();
            var before = await Open("S5-S1before", $"S1 open loop at {rate:F0} req/s, before the refresh", _api, rate, Warmup, Duration, _ => S1Request());
            var walAfterS1 = await storage.Wal("api_s5");
            var s1Seconds = s1Clock.Elapsed.TotalSeconds;
            var s1Cpu = new Cpu(ProcessCpu.Seconds(s5Api.Pid) - s1ApiCpu0, storage.PostgresCpuSeconds() - s1PgCpu0, s1Seconds);

            // Everything that falls due when the clock moves: S5's wallets and S1's (brought up to date by the GET).
            var others = new DateTimeOffset[S1Freelancers];
            await Parallel.ForEachAsync(Enumerable.Range(0, S1Freelancers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                others[i] = (await SendForJson(() => Get($"/v1/freelancers/s1-f{i}/wallet"), ct)).GetProperty("billingAnchor").GetDateTimeOffset());
            var from = (await SendForJson(() => Get("/v1/sandbox/clock"), CancellationToken.None)).GetProperty("now").GetDateTimeOffset();
            var remindersAtAdvance = await storage.Reminders("api_s5");
            var counted0 = await RefreshCount(probe);

            var walAtAdvance = await storage.Wal("api_s5");
            var (refreshApiCpu0, refreshPgCpu0) = (ProcessCpu.Seconds(s5Api.Pid), storage.PostgresCpuSeconds());
            Step("S5: advancing the sandbox clock P31D; S1 open loop while the refresh runs");
            var refreshClock = Stopwatch.StartNew();
            var to = (await SendForJson(() => Post("/v1/sandbox/clock", new { advanceBy = "P31D" }), CancellationToken.None)).GetProperty("now").GetDateTimeOffset();
            using var stop = new CancellationTokenSource();
            var duringTask = LoadGenerator.RunOpen($"S1 open loop at {rate:F0} req/s, while the refresh runs", _api, o.Connections, rate,
                TimeSpan.Zero, TimeSpan.FromSeconds(o.S5TimeoutSeconds), _ => S1Request(), stop: stop.Token);
            int Due(DateTimeOffset anchor) => BillingCycle.At(anchor, to).Index - BillingCycle.At(anchor, from).Index;
            var dueS5 = anchors.Sum(Due);
            var dueOthers = others.Sum(Due);
            var expected = dueS5 + dueOthers;
            Console.WriteLine($"  refreshes due: {expected} ({dueS5} for S5's {n} wallets, {dueOthers} for S1's {S1Freelancers})");

            double? refreshSeconds = null;
            long counted = 0;
            var lastPrint = 0.0;
            var timeline = new List<double[]>(); // [seconds since the advance, refreshes counted], every ~5 s
            var scrapeMs = new List<double>(); // how long each poll of /metrics took
            var (lastAt, lastCount) = (0.0, 0L);
            while (refreshClock.Elapsed.TotalSeconds < o.S5TimeoutSeconds)
            {
                var scrape = Stopwatch.StartNew();
                counted = await RefreshCount(probe) - counted0;
                scrapeMs.Add(scrape.Elapsed.TotalMilliseconds);
                var now = refreshClock.Elapsed.TotalSeconds - scrape.Elapsed.TotalSeconds / 2; // the count's instant, about
                if (counted >= expected)
                {
                    // Between two polls: the instant the count reached the number due, at the pace between them.
                    refreshSeconds = lastAt + (now - lastAt) * (expected - lastCount) / Math.Max(1, counted - lastCount);
                    timeline.Add([Math.Round(now, 1), counted]);
                    break;
                }
                (lastAt, lastCount) = (now, counted);
                if (now - lastPrint >= 5)
                {
                    lastPrint = now;
                    timeline.Add([Math.Round(now, 1), counted]);
                    Console.WriteLine($"  {counted} / {expected} refreshed, {now:F0} s");
                }
                // Every scrape of /metrics costs the API time that grows with its activations (about 130 ms a scrape with
                // 100,000 wallets, docs/performance.md): every 0.25 s, as near the end before, that is half a core taken
                // from the traffic S5 measures. So it polls every 2 s throughout and takes the end between the last two polls.
                await Task.Delay(2000);
            }
            var walAtEnd = await storage.Wal("api_s5");
            var refreshCpu = new Cpu(ProcessCpu.Seconds(s5Api.Pid) - refreshApiCpu0, storage.PostgresCpuSeconds() - refreshPgCpu0, refreshClock.Elapsed.TotalSeconds);
            await stop.CancelAsync();
            var during = await duringTask;
            Console.WriteLine($"  S1 p99 by second of the refresh (ms): {string.Join(' ', during.P99BySecondMs?.Select(v => v is { } ms ? ms.ToString("F0", CultureInfo.InvariantCulture) : "-") ?? [])}");
            _byId["S5-S1during"] = during;
            Console.WriteLine(refreshSeconds is { } rs ? $"  all {expected} refreshed in {rs:F1} s" : $"  timed out after {o.S5TimeoutSeconds} s: {counted} / {expected} refreshed");
            scrapeMs.Sort();
            Console.WriteLine($"  /metrics polled {scrapeMs.Count} times during the refresh: median {scrapeMs[scrapeMs.Count / 2]:F0} ms, max {scrapeMs[^1]:F0} ms");
            // CPU per refresh (API process, which hosts the silo, and PostgreSQL) less S1's share at its rate before, against
            // CPU per B5 write (bench host and PostgreSQL).
            var refreshOnly = refreshCpu.Less(s1Cpu);
            var cpuPerRefreshMs = refreshOnly.PerItemMs(Math.Max(1, counted));
            var cpuPerB5WriteMs = b5Cpu.PerItemMs(n);
            var cpuNote = $"; CPU per refresh {cpuPerRefreshMs.Total:F2} ms (API {cpuPerRefreshMs.Process:F2}{Db(cpuPerRefreshMs.Postgres, "")}) after S1's share, per B5 write {cpuPerB5WriteMs.Total:F2} ms (host {cpuPerB5WriteMs.Process:F2}{Db(cpuPerB5WriteMs.Postgres, "")}): {cpuPerRefreshMs.Total / cpuPerB5WriteMs.Total:F2}x";
            Console.WriteLine($"  cpu{cpuNote[1..]}; cores busy during the refresh {refreshCpu.Cores:F2} (S1 alone {s1Cpu.Cores:F2})");
            // The database's log during the refresh, less what S1's traffic alone wrote in as long (its rate before the refresh).
            string walNote = "";
            object? wal = null;
            if (walAtAdvance is not null && walAtEnd is not null && walBeforeS1 is not null && walAfterS1 is not null)
            {
                var s1BytesPerSecond = (walAfterS1.Bytes - walBeforeS1.Bytes) / s1Seconds;
                var seconds = refreshClock.Elapsed.TotalSeconds;
                var refreshBytes = walAtEnd.Bytes - walAtAdvance.Bytes - s1BytesPerSecond * seconds;
                var perRefresh = refreshBytes / Math.Max(1, counted);
                wal = new { refresh = walAtEnd.Since(walAtAdvance), seconds, s1Before = walAfterS1.Since(walBeforeS1), s1Seconds, s1BytesPerSecond, refreshBytesPerRefresh = perRefresh };
                walNote = $"; WAL {(walAtEnd.Bytes - walAtAdvance.Bytes) / 1048576.0:F0} MB ({walAtEnd.FullPageImages - walAtAdvance.FullPageImages} full-page images), {perRefresh:F0} B per refresh after S1's share ({s1BytesPerSecond / 1024:F0} KB/s before)";
                Console.WriteLine($"  write-ahead log{walNote[1..]}");
            }
            PrintLoad(during);

            // One refresh per due cycle: the count must not go on rising once all are in (PostgreSQL's table
            // statistics also reach pg_stat_user_tables within ~10 s of a backend going idle).
            await Task.Delay(TimeSpan.FromSeconds(11));
            var countedAfter = await RefreshCount(probe) - counted0;
            var remindersAfter = await storage.Reminders("api_s5");
            var sample = Enumerable.Range(0, Math.Min(100, n)).Select(i => (int)((long)i * n / Math.Min(100, n))).ToList();
            var behind = 0;
            foreach (var i in sample)
            {
                var view = await SendForJson(() => Get($"/v1/freelancers/s5-f{i}/wallet"), CancellationToken.None);
                if (view.GetProperty("cycle").GetInt32() != BillingCycle.At(anchors[i], to).Index) behind++;
            }
            var rssEnd = s5Api.RssBytes();

            double? ratio = refreshSeconds / b5.Seconds;
            // The refresh's peak pace: the fastest ~5 s stretch against B5's write rate.
            var peakRate = timeline.Zip(timeline.Skip(1), (a, b) => (b[1] - a[1]) / Math.Max(1e-3, b[0] - a[0])).DefaultIfEmpty(0).Max();
            var b5Rate = n / b5.Seconds;
            Extra["s5PeakRefreshesPerSecond"] = Math.Round(peakRate, 1);
            Extra["b5WritesPerSecond"] = Math.Round(b5Rate, 1);
            _rows.Add(new Row("S5", $"first of the month: {n} wallets due at one instant, refreshed by their renewal cohort", null,
                "refresh s / B5 s", ratio, "≤ 1.5", ratio is { } r ? r <= 1.5 : false,
                (refreshSeconds is { } secs ? $"{expected} refreshes in {secs:F1} s vs B5 {b5.Seconds:F1} s" : $"timed out after {o.S5TimeoutSeconds} s, {counted} / {expected} refreshed")
                + $"; due: {dueS5} S5 + {dueOthers} S1 wallets; counted {countedAfter} ({(countedAfter == expected ? "one per due refresh" : "**not** one per due refresh")});"
                + $" the clock move wakes the renewal cohorts (one reminder per renewal day), which refresh their wallets at a pace;"
                + $" peak pace {peakRate:F0} refreshes/s vs B5 {b5Rate:F0} writes/s ({peakRate / b5Rate:F2}x);"
                + $" reminders table {remindersAfter.Rows} rows, {remindersAfter.Bytes / 1024.0:F0} KB{(storage.IsPostgreSql ? "" : " of row data")}{ReminderLoad(remindersAtAdvance, remindersAfter)}{cpuNote}{walNote}"));
            AddLoadRow("S5-S1before", before, null, null, "—", null, "open loop, no refresh running");
            var p99Ratio = during.P99Ms / before.P99Ms;
            AddLoadRow("S5-S1during", during, "p99 / S5-S1before p99", p99Ratio, "≤ 3", p99Ratio <= 3, "open loop from the clock advance until every refresh was counted");

            var perWallet = (rssAfter - rssBefore) / (double)n;
            var rss = new { wallets = n, apiRssBytesBefore = rssBefore, apiRssBytesAfterOpening = rssAfter, apiRssBytesAfterRefresh = rssEnd, rssBytesPerWallet = perWallet };
            Extra["s6ApiActiveWallets"] = rss;
            var rssNote = $"API RSS for {n} active wallets (S5): {rssBefore / 1048576.0:F0} → {rssAfter / 1048576.0:F0} MB ({perWallet / 1024:F1} KB/wallet)";
            var s6 = _rows.FindIndex(r => r.Id == "S6");
            if (s6 >= 0) _rows[s6] = _rows[s6] with { Note = _rows[s6].Note + "; " + rssNote };
            else _rows.Add(new Row("S6r", $"API RSS with {n} active wallets (from S5's setup)", null, null, null, "report", null, rssNote));

            Extra["s5"] = new
            {
                wallets = n,
                s1Rate = rate,
                setupSeconds,
                b5,
                clockFrom = from,
                clockTo = to,
                refreshesDue = expected,
                refreshesDueS5 = dueS5,
                refreshesDueS1Wallets = dueOthers,
                refreshesCountedWhenDone = counted,
                refreshesCounted11sLater = countedAfter,
                refreshSeconds,
                ratio,
                refreshTimeline = timeline,
                sampledWalletsNotRefreshed = behind,
                sampledWallets = sample.Count,
                s1P99BeforeMs = before.P99Ms,
                s1P99DuringMs = during.P99Ms,
                wal,
                cpu = new { b5 = b5Cpu, idle = idleCpu, s1Before = s1Cpu, refresh = refreshCpu, perRefreshMs = cpuPerRefreshMs, perB5WriteMs = cpuPerB5WriteMs },
                // PostgreSQL's counters reach pg_stat_user_tables up to ~10 s late, so the opening window is read at the
                // advance (only S1 traffic, which does not touch reminders, ran in between) and the refresh window 11 s
                // after the last refresh. The grain-state table's counters include the S1 traffic.
                reminderTable = new
                {
                    beforeOpening = remindersBeforeOpening,
                    atAdvance = remindersAtAdvance,
                    afterRefresh = remindersAfter,
                    openingDelta = remindersAtAdvance.Reminders?.Minus(remindersBeforeOpening.Reminders!),
                    refreshDelta = remindersAfter.Reminders?.Minus(remindersAtAdvance.Reminders!),
                    grainStatesRefreshDeltaWithS1Traffic = remindersAfter.States?.Minus(remindersAtAdvance.States!),
                },
            };
            Extra["apiS5RssBytesAtEnd"] = rssEnd;
        }
        finally
        {
            s5Api.Dispose();
        }
    }

    /// <summary>The reminders table's access counters over the refresh window (PostgreSQL only).</summary>
    private static string ReminderLoad(ReminderTableSnapshot from, ReminderTableSnapshot to)
    {
        if (from.Reminders is null || to.Reminders is null) return "";
        var d = to.Reminders.Minus(from.Reminders);
        return $", during the refresh {d.SeqScan} seq scans ({d.SeqTupRead} rows read), {d.IdxScan} index scans ({d.IdxTupFetch} rows), {d.TupIns} inserts, {d.TupUpd} updates, {d.TupDel} deletes";
    }

    /// <summary>Applied monthly refreshes so far: the count of the refresh-lag histogram on the API's Prometheus endpoint.</summary>
    private static async Task<long> RefreshCount(HttpClient probe)
    {
        var text = await probe.GetStringAsync("/metrics");
        double count = 0;
        foreach (var line in text.Split('\n'))
            if (line.StartsWith("connects_refresh_lag_seconds_count", StringComparison.Ordinal))
                count += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        return (long)count;
    }

    /// <summary>S4: wallets of several ages in the same service, each age <c>--age-wallets</c> wallets: one month old
    /// (issue #5's reference, "young") and each of <c>--age-months</c> (default 12, 60 and 120: year 1, 5 and 10) simulated
    /// months, living a monthly purchase + proposal with the sandbox clock advanced P31D each month. Measured interleaved,
    /// one request per age in turn (the order rotates every round), so drift and noise hit every age alike: purchases
    /// (S4w), first history pages (S4h), and cycle closes that archive (S4c: the first call after a clock move, whose
    /// statement, receipt book and wallet writes are the writes that could grow with age).</summary>
    private async Task AccountAge()
    {
        var count = o.AgeWallets;
        var ages = new List<(string Name, int Months)> { ("young", 1) };
        ages.AddRange(o.AgeMonths.Where(m => m > 1).Distinct().Order().Select(m => ($"{m}m", m)));
        var names = ages.Select(a => a.Name).ToList();
        var months = ages.Max(a => a.Months);
        static string S4Wallet(string age, int i) => $"s4-{age}-{i}";
        Step($"setup S4: {count} wallets of each age ({string.Join(", ", ages.Select(a => $"{a.Months} months"))}), clock +P31D per month");
        var sw = Stopwatch.StartNew();
        for (var m = 0; m < months; m++)
        {
            var month = m;
            var opening = ages.Where(a => month == months - a.Months).SelectMany(a => Enumerable.Range(0, count).Select(i => S4Wallet(a.Name, i))).ToList();
            await Setup(opening.Select(f => (Func<HttpRequestMessage>)(() => Post($"/v1/freelancers/{f}/wallet", new { plan = "plus" }))));
            await Setup([() => Put($"/v1/jobs/s4-j{month}", Job("aging"))]);
            var living = ages.Where(a => month >= months - a.Months).SelectMany(a => Enumerable.Range(0, count).Select(i => S4Wallet(a.Name, i))).ToList();
            await Setup(living.SelectMany(f => new Func<HttpRequestMessage>[]
            {
                () => Post($"/v1/freelancers/{f}/purchases", new { bundle = 10, paymentReference = $"p-{f}-{month}" }),
                () => Post($"/v1/jobs/s4-j{month}/proposals", new { freelancerId = f, expectedConnects = 16 }),
            }), sequentialPerItem: 2);
            await Setup([() => Post("/v1/sandbox/clock", new { advanceBy = "P31D" })]);
        }
        // Let each wallet catch up with the last month outside the measurement.
        var all = names.SelectMany(a => Enumerable.Range(0, count).Select(i => S4Wallet(a, i))).ToList();
        await Setup(all.Select(f => (Func<HttpRequestMessage>)(() => Get($"/v1/freelancers/{f}/wallet"))));
        Extra["s4SetupSeconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        var historyOld = await _api.GetStringAsync($"/v1/freelancers/{S4Wallet(names[^1], 0)}/history?days=90&limit=500");
        Extra["s4OldWalletEntriesLast90Days"] = JsonDocument.Parse(historyOld).RootElement.GetProperty("entries").GetArrayLength();
        var statesBefore = await StateSummaries(names);

        var samples = o.AgeSamples;
        Step($"S4: {samples} purchases on wallets of each age, interleaved, 1 connection");
        await Interleaved("S4w", samples, names, (age, k) => Post($"/v1/freelancers/{S4Wallet(age, k % count)}/purchases", new { bundle = 10, paymentReference = $"m-{age}-{k}" }));
        Step($"S4: {samples} first history pages on wallets of each age, interleaved, 1 connection");
        await Interleaved("S4h", samples, names, (age, k) => Get($"/v1/freelancers/{S4Wallet(age, k % count)}/history"));
        var statesAfter = await StateSummaries(names);

        // Cycle closes that archive: before each clock move every wallet buys 16 bundles (as many closed entries and
        // receipts as ArchiveAfterEntries' default), so the first call after the move writes the year's statement, the
        // year's receipt book and the wallet. One close per wallet and move, ages interleaved (the order rotates).
        var rounds = o.AgeCloses;
        Step($"S4c: {rounds} clock moves; after each, the first call of each of {count} wallets per age (a cycle close that archives), interleaved");
        var closes = names.ToDictionary(a => a, _ => new List<double>());
        var closeFailed = names.ToDictionary(a => a, _ => 0L);
        var closeStatuses = names.ToDictionary(a => a, _ => new Dictionary<string, long>());
        using (var one = LoadGenerator.CreateClient(_api.BaseAddress!.ToString(), 1))
        {
            for (var round = 0; round < rounds; round++)
            {
                var r = round;
                await Setup(all.SelectMany(f => Enumerable.Range(0, 16).Select(j =>
                    (Func<HttpRequestMessage>)(() => Post($"/v1/freelancers/{f}/purchases", new { bundle = 10, paymentReference = $"c-{f}-{r}-{j}" })))), sequentialPerItem: 16);
                await Setup([() => Post("/v1/sandbox/clock", new { advanceBy = "P31D" })]);
                for (var i = 0; i < count; i++)
                    foreach (var age in Rotated(names, round * count + i))
                    {
                        var start = Stopwatch.GetTimestamp();
                        var (status, good) = await LoadGenerator.Send(one, Get($"/v1/freelancers/{S4Wallet(age, i)}/wallet"), null, CancellationToken.None);
                        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        closeStatuses[age][status] = closeStatuses[age].GetValueOrDefault(status) + 1;
                        if (good) closes[age].Add(ms); else closeFailed[age]++;
                    }
            }
        }
        foreach (var age in names) Record("S4c", age, closes[age], closeFailed[age], closeStatuses[age]);
        Extra["s4StateBytes"] = new { beforeMeasurement = statesBefore, afterPurchasesAndHistory = statesAfter, afterCycleCloses = await StateSummaries(names) };

        var what = new Dictionary<string, string>
        {
            ["S4w"] = "purchase (1 wallet write; a new payment reference is looked up in the books of the idempotency window)",
            ["S4h"] = "first history page",
            ["S4c"] = "cycle close that archives (statement + receipt book of the year + wallet writes)",
        };
        var year1 = names.Contains("12m") ? "12m" : null;
        foreach (var (id, label) in what)
        {
            var young = _byId[$"{id}-young"];
            var ratios = new Dictionary<string, object>();
            var note = id == "S4c"
                ? $"1 connection, {rounds} clock moves x {count} wallets per age, interleaved; req/s = 1 / mean latency"
                : $"1 connection, {samples} requests per age, interleaved; req/s = 1 / mean latency";
            foreach (var (age, m) in ages)
            {
                var r = _byId[$"{id}-{age}"];
                var name = $"{label}, {(m == 1 ? "1-month-old" : $"{m}-month-old")} wallet";
                if (age == "young")
                {
                    AddLoadRow($"{id}-young", r with { Name = name }, null, null, "—", null, note);
                    continue;
                }
                var p99 = r.P99Ms / young.P99Ms;
                var p50 = r.P50Ms / young.P50Ms;
                var (low, high) = BootstrapP99Ratio(_samples[$"{id}-{age}"], _samples[$"{id}-young"]);
                var vsYear1 = "";
                object? year1Ratios = null;
                if (year1 is not null && age != year1)
                {
                    var y = _byId[$"{id}-{year1}"];
                    var (yl, yh) = BootstrapP99Ratio(_samples[$"{id}-{age}"], _samples[$"{id}-{year1}"]);
                    year1Ratios = new { p50 = r.P50Ms / y.P50Ms, p90 = r.P90Ms / y.P90Ms, p99 = r.P99Ms / y.P99Ms, p99Ci95 = new[] { yl, yh } };
                    vsYear1 = $"; vs the 12-month-old (year 1): p50 {r.P50Ms / y.P50Ms:F2}, p90 {r.P90Ms / y.P90Ms:F2}, p99 {r.P99Ms / y.P99Ms:F2} (95% {yl:F2}–{yh:F2})";
                }
                ratios[age] = new { vsYoung = new { p50, p99, p99Ci95 = new[] { low, high } }, vsYear1 = year1Ratios };
                AddLoadRow($"{id}-{age}", r with { Name = name }, $"p99 / {id}-young p99", p99, "≤ 1.2", p99 <= 1.2,
                    $"{note}; p50 ratio {p50:F2}; p99 ratio 95% bootstrap interval {low:F2}–{high:F2}{vsYear1}");
            }
            Extra[$"{id}Ratios"] = ratios;
        }
    }

    /// <summary><paramref name="items"/> rotated left by <paramref name="by"/>: each position takes every place in turn.</summary>
    private static IEnumerable<string> Rotated(IReadOnlyList<string> items, int by) =>
        Enumerable.Range(0, items.Count).Select(j => items[(j + by) % items.Count]);

    /// <summary>Sequential requests on one connection, one per age in turn (the order rotates every round), after 20
    /// unrecorded rounds; each age's latencies become its own result.</summary>
    private async Task Interleaved(string id, int samples, IReadOnlyList<string> ages, Func<string, int, HttpRequestMessage> make)
    {
        const int warm = 20;
        using var client = LoadGenerator.CreateClient(_api.BaseAddress!.ToString(), 1);
        var latencies = ages.ToDictionary(a => a, _ => new List<double>());
        var failed = ages.ToDictionary(a => a, _ => 0L);
        var statuses = ages.ToDictionary(a => a, _ => new Dictionary<string, long>());
        for (var k = -warm; k < samples; k++)
        {
            foreach (var who in Rotated(ages, k + warm))
            {
                var index = k < 0 ? k + 100_000 : k; // warm-up rounds get their own payment references
                var start = Stopwatch.GetTimestamp();
                var (status, good) = await LoadGenerator.Send(client, make(who, index), null, CancellationToken.None);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (k < 0) continue;
                statuses[who][status] = statuses[who].GetValueOrDefault(status) + 1;
                if (good) latencies[who].Add(ms); else failed[who]++;
            }
        }
        foreach (var who in ages) Record(id, who, latencies[who], failed[who], statuses[who]);
    }

    /// <summary>One age's latencies as its own result (and samples, for the bootstrap interval of a ratio).</summary>
    private void Record(string id, string age, List<double> latencies, long failed, Dictionary<string, long> statuses)
    {
        var l = latencies.ToArray();
        _samples[$"{id}-{age}"] = [.. l];
        var r = LoadGenerator.Summarize($"{id}-{age}", l, l.Length, failed, Math.Max(1e-3, l.Sum() / 1000), statuses) with { Connections = 1 };
        _byId[$"{id}-{age}"] = r;
        Console.WriteLine($"  {id}-{age}: p50 {r.P50Ms:F2} ms, p90 {r.P90Ms:F2} ms, p99 {r.P99Ms:F2} ms, max {r.MaxMs:F2} ms, ok {r.Ok}, failed {r.Failed}");
    }

    /// <summary>95% interval of the p99 ratio a / b, from 2,000 bootstrap resamples of each (fixed seed): how much of
    /// a p99 ratio of a few hundred samples is noise.</summary>
    private static (double Low, double High) BootstrapP99Ratio(double[] a, double[] b)
    {
        if (a.Length == 0 || b.Length == 0) return (double.NaN, double.NaN);
        var random = new Random(5);
        double P99(double[] source, double[] buffer)
        {
            for (var i = 0; i < buffer.Length; i++) buffer[i] = source[random.Next(source.Length)];
            Array.Sort(buffer);
            return LoadGenerator.Percentile(buffer, 0.99);
        }
        var (ba, bb) = (new double[a.Length], new double[b.Length]);
        var ratios = Enumerable.Range(0, 2000).Select(_ => P99(a, ba) / P99(b, bb)).Order().ToArray();
        return (LoadGenerator.Percentile(ratios, 0.025), LoadGenerator.Percentile(ratios, 0.975));
    }

    private async Task<Dictionary<string, object>> StateSummaries(IEnumerable<string> ages)
    {
        var summaries = new Dictionary<string, object>();
        foreach (var age in ages) summaries[age] = await StateSummary($"s4-{age}-0");
        return summaries;
    }

    /// <summary>Stored bytes of one freelancer's states: wallet, receipt books (one per year of cycles; the old single
    /// book, keyed by the freelancer alone, counts as one), statements (count and total).</summary>
    private async Task<object> StateSummary(string freelancer)
    {
        var sizes = (await storage.StateSizes("api", $"freelancer:{freelancer}")).Where(s => s.Key == $"freelancer:{freelancer}" || s.Key.StartsWith($"freelancer:{freelancer}/", StringComparison.Ordinal)).ToList();
        long Of(string kind) => sizes.Where(s => s.Kind == kind).Sum(s => s.Bytes);
        var books = sizes.Where(s => s.Kind == "receipts").ToList();
        static int YearOf(string key) => key.LastIndexOf("/y", StringComparison.Ordinal) is var at and >= 0 && int.TryParse(key[(at + 2)..], out var y) ? y : -1;
        return new
        {
            walletBytes = Of("wallet"),
            receiptBooks = books.Count,
            receiptBookBytes = Of("receipts"),
            largestReceiptBookBytes = books.Select(s => s.Bytes).DefaultIfEmpty(0).Max(),
            newestReceiptBookBytes = books.OrderByDescending(s => YearOf(s.Key)).Select(s => s.Bytes).FirstOrDefault(),
            statements = sizes.Count(s => s.Kind == "statement"),
            statementBytes = Of("statement"),
        };
    }

    /// <summary>S6: managed heap (after forced full GCs) and RSS of the bench host before and after activating N idle wallets.</summary>
    private async Task Memory()
    {
        // A few wallets first, untimed and not counted: what the host sets up once for the first wallets it activates (code
        // jitted, serializer and storage statements prepared, the connection pool grown) is not a cost per idle wallet.
        var warmup = Math.Clamp(o.MemoryWallets / 10, 1, 200);
        Step($"S6: activating {warmup} wallets to warm the bench host, then {o.MemoryWallets} idle wallets");
        (await _base.PostAsync($"/bench/memory/wallets?prefix=s6warm&count={warmup}", null)).EnsureSuccessStatusCode();
        var before = await Probe();
        var sw = Stopwatch.StartNew();
        (await _base.PostAsync($"/bench/memory/wallets?prefix=s6&count={o.MemoryWallets}", null)).EnsureSuccessStatusCode();
        var openSeconds = sw.Elapsed.TotalSeconds;
        await Task.Delay(1000);
        var after = await Probe();
        var heapPer = (after.ManagedHeapBytes - before.ManagedHeapBytes) / (double)o.MemoryWallets;
        var rssPer = (after.RssBytes - before.RssBytes) / (double)o.MemoryWallets;
        Extra["s6"] = new { wallets = o.MemoryWallets, warmupWallets = warmup, before, after, heapBytesPerWallet = heapPer, rssBytesPerWallet = rssPer, openSeconds };
        _rows.Add(new Row("S6", $"managed heap per idle wallet activation (N={o.MemoryWallets})", null, null, null, "≤ 4 KB", heapPer <= 4 * 1024,
            $"{heapPer / 1024:F1} KB/wallet heap; RSS {before.RssBytes / 1048576.0:F0} → {after.RssBytes / 1048576.0:F0} MB ({rssPer / 1024:F1} KB/wallet); opened in {openSeconds:F1} s"));
    }

    private async Task<MemoryProbe> Probe() =>
        JsonSerializer.Deserialize<MemoryProbe>(await _base.GetStringAsync("/bench/memory"), Orchestrator.Json)!;

    /// <summary>Closed loop (capacity); the row's ratio is throughput against <paramref name="ratioOf"/>.</summary>
    private async Task<LoadResult> Load(string id, string what, HttpClient client, Func<long, HttpRequestMessage?> next,
        string? ratioOf = null, double? target = null, TimeSpan? warmup = null, int? connections = null, bool record = true, string note = "")
    {
        var c = connections ?? o.Connections;
        Step($"{id}: {what} (closed loop, {c} connections, {o.Duration} s)");
        var r = await LoadGenerator.Run(what, client, c, warmup ?? Warmup, Duration, next);
        _byId[id] = r;
        PrintLoad(r);
        if (!record) return r;
        double? ratio = ratioOf is not null && _byId.TryGetValue(ratioOf, out var of) ? r.Throughput / of.Throughput : null;
        _rows.Add(new Row(id, what, r, ratioOf is null ? null : $"throughput / {ratioOf}", ratio,
            target is null ? "—" : $"≥ {target:0.##}", target is null || ratio is null ? null : ratio >= target, note));
        return r;
    }

    /// <summary>Open loop at <c>--open-fraction</c> of the closed-loop throughput <paramref name="closedId"/> just measured:
    /// its p99 is the latency at that share of capacity. <paramref name="p99TargetMs"/> is checked on PostgreSQL only.</summary>
    private async Task OpenAfter(string closedId, string id, HttpClient client, Func<long, HttpRequestMessage?> next, double? p99TargetMs = null)
    {
        var rate = Math.Max(1, _byId[closedId].Throughput * o.OpenFraction);
        var pct = o.OpenFraction * 100;
        var r = await Open(id, $"{closedId} open loop at {pct:0.#}% of its closed-loop throughput", client, rate, Warmup, Duration, next);
        var target = p99TargetMs is { } t ? (S1TargetApplies ? $"p99 ≤ {t:0} ms" : $"p99 ≤ {t:0} ms on PostgreSQL") : "—";
        bool? met = p99TargetMs is { } ms && S1TargetApplies ? r.P99Ms <= ms : null;
        AddLoadRow(id, r, null, null, target, met, $"p99 at {pct:0.#}% of capacity");
    }

    private async Task<LoadResult> Open(string id, string what, HttpClient client, double rate, TimeSpan warmup, TimeSpan duration, Func<long, HttpRequestMessage?> next)
    {
        Step($"{id}: {what} (open loop, {rate:F0} req/s, at most {o.Connections} connections, {duration.TotalSeconds:0} s)");
        var r = await LoadGenerator.RunOpen(what, client, o.Connections, rate, warmup, duration, next);
        _byId[id] = r;
        PrintLoad(r);
        return r;
    }

    private void AddLoadRow(string id, LoadResult r, string? ratioOf, double? ratio, string target, bool? met, string note) =>
        _rows.Add(new Row(id, r.Name, r, ratioOf, ratio, target, met, note));

    private static void PrintLoad(LoadResult r)
    {
        var open = r.Model == "open" ? $" (target {r.TargetRate:F0} req/s, late {r.Late}, start lag p99 {r.StartLagP99Ms:F1} ms, not sent {r.NotSent})" : "";
        Console.WriteLine($"  {r.Throughput:F0} req/s{open}, p50 {r.P50Ms:F2} ms, p90 {r.P90Ms:F2} ms, p99 {r.P99Ms:F2} ms, max {r.MaxMs:F2} ms, ok {r.Ok}, failed {r.Failed} [{string.Join(", ", r.Statuses.Select(s => $"{s.Key}:{s.Value}"))}]");
    }

    /// <summary>Setup requests, 16 at a time; items of <paramref name="sequentialPerItem"/> consecutive requests run in order.</summary>
    private async Task Setup(IEnumerable<Func<HttpRequestMessage>> requests, int sequentialPerItem = 1)
    {
        var chunks = requests.Chunk(sequentialPerItem).ToList();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (chunk, ct) =>
        {
            foreach (var make in chunk) await SendOrFail(make, ct);
        });
    }

    /// <summary>A setup request, retried up to 3 times on 503/429; any other failure stops the run.</summary>
    private async Task<string> SendOrFail(Func<HttpRequestMessage> make, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = make();
            var (method, uri) = (request.Method, request.RequestUri);
            using var response = await _api.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode) return body;
            if (attempt < 3 && (int)response.StatusCode is 503 or 429) { await Task.Delay(500, ct); continue; }
            throw new InvalidOperationException($"setup {method} {uri}: {(int)response.StatusCode} {body}");
        }
    }

    private async Task<JsonElement> SendForJson(Func<HttpRequestMessage> make, CancellationToken ct) =>
        JsonDocument.Parse(await SendOrFail(make, ct)).RootElement;

    private static object Job(string category) =>
        new { clientId = "bench", budgetUsd = 800, budgetType = "fixed", duration = "1-4-weeks", category };

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
    private static HttpRequestMessage Put(string path, object body) => new(HttpMethod.Put, path) { Content = Body(body) };
    private static HttpRequestMessage Post(string path, object? body) => new(HttpMethod.Post, path) { Content = body is null ? null : Body(body) };
    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
    private static void Step(string s) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {s}");
}

/// <summary>CPU seconds over a window of <paramref name="Seconds"/>: one process's (the API, or the bench host) and
/// PostgreSQL's (null when the harness did not start it).</summary>
public sealed record Cpu(double Process, double? Postgres, double Seconds)
{
    public double Total => Process + (Postgres ?? 0);

    /// <summary>Cores busy on average over the window.</summary>
    public double Cores => Total / Seconds;

    /// <summary>This window less what <paramref name="steady"/>'s load would have used in as long.</summary>
    public Cpu Less(Cpu steady) =>
        new(Process - steady.Process / steady.Seconds * Seconds, Postgres - steady.Postgres / steady.Seconds * Seconds, Seconds);

    /// <summary>Milliseconds per item, over <paramref name="items"/>.</summary>
    public Cpu PerItemMs(long items) => new(Process * 1000 / items, Postgres * 1000 / items, Seconds);
}
