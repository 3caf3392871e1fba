using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Connects.Bench;

/// <summary>One line of the results: a load result, or a single measured figure (S6), with its ratio and target (from issue #5).</summary>
public sealed record Row(string Id, string What, LoadResult? Load, string? RatioOf, double? Ratio, string Target, bool? Met, string Note = "");

public sealed class Scenarios(BenchOptions o, string apiUrl, string baseUrl, ChildProcess api, ChildProcess baseline)
{
    private const int S1Freelancers = 1000, S1Jobs = 997; // coprime: request n -> (n % 1000, n % 997) is a distinct pair for n < 997,000
    private const int HotFreelancers = 1000;
    private readonly HttpClient _api = LoadGenerator.CreateClient(apiUrl, o.Connections);
    private readonly HttpClient _base = LoadGenerator.CreateClient(baseUrl, o.Connections);
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, LoadResult> _byId = [];
    public Dictionary<string, object> Extra { get; } = [];

    private TimeSpan Warmup => TimeSpan.FromSeconds(o.Warmup);
    private TimeSpan Duration => TimeSpan.FromSeconds(o.Duration);
    private bool On(string s) => o.Scenarios.Contains(s);

    public async Task<(List<Row> Rows, Dictionary<string, object> Extra)> RunAll()
    {
        // Baselines first, always (every ratio needs them), on the bench-only host.
        await Load("B1", "plain Kestrel endpoint (bench host)", _base, n => Get("/baseline/plain"));
        await Load("B2", "HTTP -> grain that does nothing", _base, n => Get($"/baseline/noop/n{n % 1000}"));
        await Load("B3", "HTTP -> grain, one durable write (ADO.NET storage)", _base, n => Post($"/baseline/write/w{n % 1000}", null));

        if (On("S1") || On("S3") || On("S2"))
        {
            Step("setup S1/S3: 1000 wallets + grants, 997 jobs");
            await Setup(Enumerable.Range(0, S1Freelancers).SelectMany(i => new Func<HttpRequestMessage>[]
            {
                () => Post($"/v1/freelancers/s1-f{i}/wallet", new { plan = "basic" }),
                () => Post($"/v1/admin/freelancers/s1-f{i}/grants", new { grantId = $"g-s1-{i}", amount = 10000, reason = "bench" }),
            }), sequentialPerItem: 2);
            await Setup(Enumerable.Range(0, S1Jobs).Select(k => (Func<HttpRequestMessage>)(() => Put($"/v1/jobs/s1-j{k}", Job($"c{k % 8}")))));
        }
        if (On("S1"))
            await Load("S1", "submit proposal, distinct freelancers x jobs", _api,
                n => Post($"/v1/jobs/s1-j{n % S1Jobs}/proposals", new { freelancerId = $"s1-f{n % S1Freelancers}", expectedConnects = 16 }),
                ratioOf: "B3", target: 1.0, note: "3 sequential durable writes per submission (hold, job, capture)");
        if (On("S3"))
            await Load("S3", "wallet read (GET wallet)", _api, n => Get($"/v1/freelancers/s1-f{n % S1Freelancers}/wallet"), ratioOf: "B2", target: 0.5);
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
        if (On("S4")) await AccountAge();
        if (On("S6")) await Memory();
        Extra["apiRssBytesAtEnd"] = api.RssBytes();
        Extra["baselineHostRssBytesAtEnd"] = baseline.RssBytes();
        return (_rows, Extra);
    }

    /// <summary>S4: wallets that lived 5 simulated years (monthly purchase + proposal, the sandbox clock advanced
    /// P31D each month) against wallets opened one month before the measurement, in the same service.</summary>
    private async Task AccountAge()
    {
        var months = o.AgeMonths; var count = o.AgeWallets;
        Step($"setup S4: {count} wallets living {months} simulated months (clock +P31D per month)");
        var sw = Stopwatch.StartNew();
        await Setup(Enumerable.Range(0, count).Select(i => (Func<HttpRequestMessage>)(() => Post($"/v1/freelancers/s4-old{i}/wallet", new { plan = "plus" }))));
        for (var m = 0; m < months; m++)
        {
            var month = m;
            if (m == months - 1)
                await Setup(Enumerable.Range(0, count).Select(i => (Func<HttpRequestMessage>)(() => Post($"/v1/freelancers/s4-young{i}/wallet", new { plan = "plus" }))));
            await Setup([() => Put($"/v1/jobs/s4-j{month}", Job("aging"))]);
            var who = Enumerable.Range(0, count).Select(i => $"s4-old{i}").Concat(m == months - 1 ? Enumerable.Range(0, count).Select(i => $"s4-young{i}") : []).ToList();
            await Setup(who.SelectMany(f => new Func<HttpRequestMessage>[]
            {
                () => Post($"/v1/freelancers/{f}/purchases", new { bundle = 10, paymentReference = $"p-{f}-{month}" }),
                () => Post($"/v1/jobs/s4-j{month}/proposals", new { freelancerId = f, expectedConnects = 16 }),
            }), sequentialPerItem: 2);
            await Setup([() => Post("/v1/sandbox/clock", new { advanceBy = "P31D" })]);
        }
        // Let each wallet catch up with the last month outside the measurement.
        await Setup(Enumerable.Range(0, count).SelectMany(i => new Func<HttpRequestMessage>[] { () => Get($"/v1/freelancers/s4-old{i}/wallet"), () => Get($"/v1/freelancers/s4-young{i}/wallet") }));
        Extra["s4SetupSeconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
        var historyOld = await _api.GetStringAsync($"/v1/freelancers/s4-old0/history?days=90&limit=500");
        Extra["s4OldWalletEntriesLast90Days"] = JsonDocument.Parse(historyOld).RootElement.GetProperty("entries").GetArrayLength();

        const int samples = 200;
        long pOld = 0, pYoung = 0;
        var old = await Load("S4w-old", $"purchase (1 wallet write), {months}-month-old wallet", _api,
            n => n < samples ? Post($"/v1/freelancers/s4-old{n % count}/purchases", new { bundle = 10, paymentReference = $"m-old-{Interlocked.Increment(ref pOld)}" }) : null,
            warmup: TimeSpan.Zero, connections: 1, record: false);
        await Load("S4w-young", "purchase (1 wallet write), 1-month-old wallet", _api,
            n => n < samples ? Post($"/v1/freelancers/s4-young{n % count}/purchases", new { bundle = 10, paymentReference = $"m-young-{Interlocked.Increment(ref pYoung)}" }) : null,
            warmup: TimeSpan.Zero, connections: 1, record: false);
        await Load("S4h-old", $"first history page, {months}-month-old wallet", _api, n => n < samples ? Get($"/v1/freelancers/s4-old{n % count}/history") : null,
            warmup: TimeSpan.Zero, connections: 1, record: false);
        await Load("S4h-young", "first history page, 1-month-old wallet", _api, n => n < samples ? Get($"/v1/freelancers/s4-young{n % count}/history") : null,
            warmup: TimeSpan.Zero, connections: 1, record: false);
        _ = old;
        AddAgeRow("S4w-old", "S4w-young"); AddAgeRow("S4w-young", null);
        AddAgeRow("S4h-old", "S4h-young"); AddAgeRow("S4h-young", null);
    }


    private void AddAgeRow(string id, string? vs)
    {
        var r = _byId[id];
        if (vs is null) { _rows.Add(new Row(id, r.Name, r, null, null, "—", null, "1 connection, 200 sequential requests")); return; }
        var ratio = r.P99Ms / _byId[vs].P99Ms;
        _rows.Add(new Row(id, r.Name, r, $"p99 / {vs} p99", ratio, "≤ 1.2", ratio <= 1.2, "1 connection, 200 sequential requests"));
    }

    /// <summary>S6: managed heap (after forced full GCs) and RSS of the bench host before and after activating N idle wallets.</summary>
    private async Task Memory()
    {
        Step($"S6: activating {o.MemoryWallets} idle wallets in the bench host");
        var before = await Probe();
        var sw = Stopwatch.StartNew();
        (await _base.PostAsync($"/bench/memory/wallets?prefix=s6&count={o.MemoryWallets}", null)).EnsureSuccessStatusCode();
        var openSeconds = sw.Elapsed.TotalSeconds;
        await Task.Delay(1000);
        var after = await Probe();
        var heapPer = (after.ManagedHeapBytes - before.ManagedHeapBytes) / (double)o.MemoryWallets;
        var rssPer = (after.RssBytes - before.RssBytes) / (double)o.MemoryWallets;
        Extra["s6"] = new { wallets = o.MemoryWallets, before, after, heapBytesPerWallet = heapPer, rssBytesPerWallet = rssPer, openSeconds };
        _rows.Add(new Row("S6", $"managed heap per idle wallet activation (N={o.MemoryWallets})", null, null, null, "≤ 4 KB", heapPer <= 4 * 1024,
            $"{heapPer / 1024:F1} KB/wallet heap; RSS {before.RssBytes / 1048576.0:F0} → {after.RssBytes / 1048576.0:F0} MB ({rssPer / 1024:F1} KB/wallet); opened in {openSeconds:F1} s"));
    }

    private async Task<MemoryProbe> Probe() =>
        JsonSerializer.Deserialize<MemoryProbe>(await _base.GetStringAsync("/bench/memory"), Orchestrator.Json)!;

    private async Task<LoadResult> Load(string id, string what, HttpClient client, Func<long, HttpRequestMessage?> next,
        string? ratioOf = null, double? target = null, TimeSpan? warmup = null, int? connections = null, bool record = true, string note = "")
    {
        var c = connections ?? o.Connections;
        Step($"{id}: {what} ({c} connections, {o.Duration} s)");
        var r = await LoadGenerator.Run(what, client, c, warmup ?? Warmup, Duration, next);
        _byId[id] = r;
        Console.WriteLine($"  {r.Throughput:F0} req/s, p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms, ok {r.Ok}, failed {r.Failed} [{string.Join(", ", r.Statuses.Select(s => $"{s.Key}:{s.Value}"))}]");
        if (!record) return r;
        double? ratio = ratioOf is null ? null : r.Throughput / _byId[ratioOf].Throughput;
        _rows.Add(new Row(id, what, r, ratioOf is null ? null : $"throughput / {ratioOf}", ratio,
            target is null ? "—" : $"≥ {target:0.##}", target is null || ratio is null ? null : ratio >= target, note));
        return r;
    }

    /// <summary>Setup requests, 16 at a time; items of <paramref name="sequentialPerItem"/> consecutive requests run in order.</summary>
    private async Task Setup(IEnumerable<Func<HttpRequestMessage>> requests, int sequentialPerItem = 1)
    {
        var chunks = requests.Chunk(sequentialPerItem).ToList();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (chunk, ct) =>
        {
            foreach (var make in chunk)
            {
                using var request = make();
                var method = request.Method; var uri = request.RequestUri;
                for (var attempt = 0; ; attempt++)
                {
                    using var retry = attempt == 0 ? null : make();
                    using var response = await _api.SendAsync(retry ?? request, ct);
                    if (response.IsSuccessStatusCode) break;
                    if (attempt < 3 && (int)response.StatusCode is 503 or 429) { await Task.Delay(500, ct); continue; }
                    throw new InvalidOperationException($"setup {method} {uri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
        });
    }

    private static object Job(string category) =>
        new { clientId = "bench", budgetUsd = 800, budgetType = "fixed", duration = "1-4-weeks", category };

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);
    private static HttpRequestMessage Put(string path, object body) => new(HttpMethod.Put, path) { Content = Body(body) };
    private static HttpRequestMessage Post(string path, object? body) => new(HttpMethod.Post, path) { Content = body is null ? null : Body(body) };
    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
    private static void Step(string s) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {s}");
}
