using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Connects.Bench;

/// <summary>One measured run: successful responses per second inside the measured window and latency percentiles.
/// <see cref="Model"/> is "closed" or "open"; the open-loop fields (<see cref="TargetRate"/>, <see cref="Late"/>,
/// start lags, <see cref="NotSent"/>) are empty for closed loop.</summary>
public sealed record LoadResult(string Name, double Throughput, double P50Ms, double P90Ms, double P99Ms, double MaxMs,
    long Ok, long Failed, double WindowSeconds, IReadOnlyDictionary<string, long> Statuses,
    string Model = "closed", int Connections = 0, double? TargetRate = null, long Late = 0,
    double? StartLagP99Ms = null, double? StartLagMaxMs = null, long NotSent = 0, IReadOnlyList<double?>? P99BySecondMs = null);

/// <summary>
/// Two load models over one HttpClient (SocketsHttpHandler, MaxConnectionsPerServer = connections):
/// <list type="bullet">
/// <item><see cref="Run"/>, closed loop (capacity): <c>connections</c> workers, each sends its next request as soon as
/// the previous one answered. Latency from each request's actual send: a stalled server also stops the senders, so
/// the stall is seen once, not by every request that would have arrived meanwhile (coordinated omission).</item>
/// <item><see cref="RunOpen"/>, open loop (latency at a given load): request i is due at i / rate seconds, whatever
/// the answers; at most <c>connections</c> are in flight, a due request waits for a free one. Latency from the
/// request's SCHEDULED time, so waiting behind a slow server counts.</item>
/// </list>
/// </summary>
public static class LoadGenerator
{
    /// <summary>An open-loop request is late when its send began more than this after its scheduled time.</summary>
    public const double LateThresholdMs = 10;

    /// <summary>After the schedule ends, requests still waiting or in flight get this long, then are abandoned.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public static HttpClient CreateClient(string baseAddress, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = new Uri(baseAddress),
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>
    /// Closed loop. Requests that start during the warm-up are sent but not recorded; the run ends at warm-up +
    /// duration (or when the request source runs dry). Throughput = recorded successful responses / measured window.
    /// </summary>
    /// <param name="next">Builds request n (0, 1, 2, ...); null: no more requests.</param>
    public static async Task<LoadResult> Run(string name, HttpClient client, int connections, TimeSpan warmup, TimeSpan duration,
        Func<long, HttpRequestMessage?> next, Func<HttpStatusCode, bool>? success = null)
    {
        success ??= IsSuccess;
        long counter = -1;
        var clock = Stopwatch.StartNew();
        var warmupTicks = warmup.TotalSeconds;
        var endAt = (warmup + duration).TotalSeconds;
        var statuses = new Dictionary<string, long>();
        var perWorker = new List<double>[connections];
        long ok = 0, failed = 0;
        double lastCompletion = warmupTicks;

        var workers = Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
        {
            var latencies = perWorker[w] = new List<double>(4096);
            var localStatuses = new Dictionary<string, long>();
            while (clock.Elapsed.TotalSeconds < endAt)
            {
                var request = next(Interlocked.Increment(ref counter));
                if (request is null) break;
                var start = clock.Elapsed.TotalSeconds;
                var (status, good) = await Send(client, request, success, CancellationToken.None);
                var end = clock.Elapsed.TotalSeconds;
                if (start < warmupTicks) continue;
                localStatuses[status] = localStatuses.GetValueOrDefault(status) + 1;
                if (good)
                {
                    latencies.Add((end - start) * 1000);
                    Interlocked.Increment(ref ok);
                }
                else Interlocked.Increment(ref failed);
                lock (statuses) lastCompletion = Math.Max(lastCompletion, end);
            }
            lock (statuses)
                foreach (var (k, v) in localStatuses) statuses[k] = statuses.GetValueOrDefault(k) + v;
        })).ToArray();
        await Task.WhenAll(workers);

        var all = perWorker.Where(l => l is not null).SelectMany(l => l).ToArray();
        var window = Math.Max(1e-3, Math.Min(endAt, lastCompletion) - warmupTicks);
        return Summarize(name, all, ok, failed, window, statuses) with { Connections = connections };
    }

    /// <summary>
    /// Open loop at <paramref name="rate"/> requests/s for warm-up + duration (or until <paramref name="stop"/> is
    /// signalled, which ends the schedule early). Request i is due at i / rate s; a dispatcher thread starts it at
    /// that time (to within its 1 ms sleep), and it waits for one of <paramref name="connections"/> send slots (so the
    /// handler never needs more connections than that). Latency = answer time - min(scheduled time, send start); requests due
    /// during the warm-up are not recorded. Late = recorded requests whose send began more than
    /// <see cref="LateThresholdMs"/> after they were due (waiting for a slot, or the generator itself behind).
    /// Throughput = recorded successful responses / (last recorded answer - first recorded due time).
    /// Requests still unanswered <see cref="Grace"/> after the schedule ends are cancelled: not yet sent ones
    /// count as <see cref="LoadResult.NotSent"/>, sent ones as failed.
    /// </summary>
    public static async Task<LoadResult> RunOpen(string name, HttpClient client, int connections, double rate, TimeSpan warmup,
        TimeSpan duration, Func<long, HttpRequestMessage?> next, Func<HttpStatusCode, bool>? success = null, CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        success ??= IsSuccess;
        var interval = 1.0 / rate;
        var total = (long)Math.Ceiling(rate * (warmup + duration).TotalSeconds);
        var firstRecorded = (long)Math.Ceiling(rate * warmup.TotalSeconds);
        var latency = new double[total];
        var startLag = new double[total];
        Array.Fill(latency, double.NaN);
        Array.Fill(startLag, double.NaN);
        var statuses = new ConcurrentDictionary<string, long>();
        long failed = 0, notSent = 0;
        double lastCompletion = 0;
        var gate = new SemaphoreSlim(connections, connections);
        using var abandon = new CancellationTokenSource();
        var tasks = new List<Task>();
        var completionLock = new object();
        var clock = Stopwatch.StartNew();

        async Task Fire(long i, double due, HttpRequestMessage request)
        {
            var recorded = i >= firstRecorded;
            try
            {
                await gate.WaitAsync(abandon.Token);
            }
            catch (OperationCanceledException)
            {
                request.Dispose();
                if (recorded) Interlocked.Increment(ref notSent);
                return;
            }
            var start = clock.Elapsed.TotalSeconds;
            string status; bool good;
            try
            {
                (status, good) = await Send(client, request, success, abandon.Token);
            }
            finally
            {
                gate.Release();
            }
            var end = clock.Elapsed.TotalSeconds;
            if (!recorded) return;
            statuses.AddOrUpdate(status, 1, (_, v) => v + 1);
            startLag[i] = Math.Max(0, start - due) * 1000;
            if (good) latency[i] = (end - Math.Min(due, start)) * 1000;
            else Interlocked.Increment(ref failed);
            lock (completionLock) lastCompletion = Math.Max(lastCompletion, end);
        }

        // The schedule runs on a thread of its own, not the thread pool (whose queue fills with the answers' work):
        // it sleeps 1 ms at a time (nanosleep) while nothing is due, then starts every due request, in order, directly.
        long scheduled = 0;
        var dispatched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatcher = new Thread(() =>
        {
            try
            {
                while (scheduled < total && !stop.IsCancellationRequested)
                {
                    var due = scheduled * interval;
                    if (due > clock.Elapsed.TotalSeconds) { Thread.Sleep(1); continue; }
                    var request = next(scheduled);
                    if (request is null) break;
                    tasks.Add(Fire(scheduled, due, request));
                    scheduled++;
                }
                dispatched.SetResult();
            }
            catch (Exception e) { dispatched.SetException(e); }
        }) { IsBackground = true, Name = "open-loop schedule" };
        dispatcher.Start();
        await dispatched.Task;
        var all = Task.WhenAll(tasks);
        // The grace runs out even after a stop: requests in flight still get it, so a stop never cuts them short.
        if (await Task.WhenAny(all, Task.Delay(Grace, CancellationToken.None)) != all) await abandon.CancelAsync();
        await all;

        var recordedCount = Math.Max(0, scheduled - firstRecorded);
        var ok = new List<double>((int)Math.Min(recordedCount, int.MaxValue));
        var lags = new List<double>(ok.Capacity);
        long late = 0;
        for (var i = firstRecorded; i < scheduled; i++)
        {
            if (!double.IsNaN(latency[i])) ok.Add(latency[i]);
            if (double.IsNaN(startLag[i])) continue;
            lags.Add(startLag[i]);
            if (startLag[i] > LateThresholdMs) late++;
        }
        var lagArray = lags.ToArray();
        Array.Sort(lagArray);
        // Open loop: the p99 of the requests due in each second of the window, so a stall shows where it happened.
        var bySecond = new List<double>[(int)Math.Ceiling(Math.Max(1, recordedCount) * interval)];
        for (var i = firstRecorded; i < scheduled; i++)
            if (!double.IsNaN(latency[i])) (bySecond[Math.Min(bySecond.Length - 1, (int)((i - firstRecorded) * interval))] ??= []).Add(latency[i]);
        var p99BySecond = bySecond.Select(second => second is null ? (double?)null : Math.Round(Percentile([.. second.Order()], 0.99), 1)).ToArray();
        var window = Math.Max(1e-3, Math.Max(lastCompletion, scheduled * interval) - firstRecorded * interval);
        return Summarize(name, ok.ToArray(), ok.Count, failed, window, new Dictionary<string, long>(statuses)) with
        {
            Model = "open",
            Connections = connections,
            TargetRate = rate,
            Late = late,
            StartLagP99Ms = Percentile(lagArray, 0.99),
            StartLagMaxMs = lagArray.Length == 0 ? double.NaN : lagArray[^1],
            NotSent = notSent,
            P99BySecondMs = p99BySecond,
        };
    }

    /// <summary>A result from latencies (ms) of successful responses.</summary>
    public static LoadResult Summarize(string name, double[] latencies, long ok, long failed, double windowSeconds, IReadOnlyDictionary<string, long> statuses)
    {
        Array.Sort(latencies);
        return new LoadResult(name, ok / windowSeconds, Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99),
            latencies.Length == 0 ? double.NaN : latencies[^1], ok, failed, windowSeconds, statuses);
    }

    /// <summary>Sends one request and reads the whole answer: (status code or exception name, success).</summary>
    public static async Task<(string Status, bool Good)> Send(HttpClient client, HttpRequestMessage request, Func<HttpStatusCode, bool>? success, CancellationToken ct)
    {
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            await response.Content.LoadIntoBufferAsync(ct);
            return (((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), (success ?? IsSuccess)(response.StatusCode));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            return (e.GetType().Name, false);
        }
        finally
        {
            request.Dispose();
        }
    }

    private static bool IsSuccess(HttpStatusCode s) => (int)s is >= 200 and < 300;

    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
