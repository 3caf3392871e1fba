using System.Diagnostics;
using System.Net;

namespace Connects.Bench;

/// <summary>One measured run: completions per second inside the measured window and latency percentiles.</summary>
public sealed record LoadResult(string Name, double Throughput, double P50Ms, double P90Ms, double P99Ms, double MaxMs,
    long Ok, long Failed, double WindowSeconds, IReadOnlyDictionary<string, long> Statuses);

/// <summary>
/// Closed-loop load: <c>connections</c> workers, each sends its next request as soon as the previous answered,
/// over one HttpClient (SocketsHttpHandler, MaxConnectionsPerServer = connections). Requests that start during
/// the warm-up are sent but not recorded; the run ends at warm-up + duration (or when the request source runs dry).
/// Throughput = recorded successful responses / measured window. Percentiles from the sorted recorded latencies.
/// </summary>
public static class LoadGenerator
{
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

    /// <param name="next">Builds request n (0, 1, 2, ...); null: no more requests.</param>
    public static async Task<LoadResult> Run(string name, HttpClient client, int connections, TimeSpan warmup, TimeSpan duration,
        Func<long, HttpRequestMessage?> next, Func<HttpStatusCode, bool>? success = null)
    {
        success ??= s => (int)s is >= 200 and < 300;
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
                string status;
                bool good;
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    await response.Content.LoadIntoBufferAsync();
                    status = ((int)response.StatusCode).ToString();
                    good = success(response.StatusCode);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    status = e.GetType().Name;
                    good = false;
                }
                finally
                {
                    request.Dispose();
                }
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
        Array.Sort(all);
        var window = Math.Max(1e-3, Math.Min(endAt, lastCompletion) - warmupTicks);
        return new LoadResult(name, ok / window, Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
            all.Length == 0 ? double.NaN : all[^1], ok, failed, window, statuses);
    }

    public static double Percentile(double[] sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
