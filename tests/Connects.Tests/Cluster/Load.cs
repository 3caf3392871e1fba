using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Cluster;

/// <summary>
/// A stream of proposals, purchases and wallet reads through the API, as the web tier would send it:
/// a 503 is retried (same request, same idempotency key) until it is answered, for up to <see cref="Unavailable"/>. Every answer is
/// recorded with its time, and every acknowledged proposal and purchase is remembered so the test
/// can check afterwards that each was applied exactly once.
/// </summary>
public sealed class Load(HttpClient http, IReadOnlyList<string> freelancers, IReadOnlyList<string> jobs)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<(double At, string Operation, HttpStatusCode Status, double Seconds)> _answers = new();
    private readonly ConcurrentQueue<double> _completed = new();
    private readonly ConcurrentDictionary<string, int> _nextJob = new();
    private int _purchases;

    /// <summary>(freelancer, job) → Connects charged, for every proposal the API acknowledged.</summary>
    public ConcurrentDictionary<(string Freelancer, string Job), int> Proposals { get; } = new();

    /// <summary>Payment references the API acknowledged, by freelancer.</summary>
    public ConcurrentDictionary<string, ConcurrentBag<string>> Purchases { get; } = new();

    /// <summary>Every answer: when it came (seconds into the run), to what, its status and how long that one request took.</summary>
    public IReadOnlyCollection<(double At, string Operation, HttpStatusCode Status, double Seconds)> Answers => _answers;
    public double Now => _clock.Elapsed.TotalSeconds;

    public Task Run(int workers, TimeSpan duration) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Worker(w, duration)));

    /// <summary>Operations completed per second of the run.</summary>
    public int[] Throughput()
    {
        var seconds = new int[(int)Math.Ceiling(_completed.DefaultIfEmpty(0).Max()) + 1];
        foreach (var at in _completed) seconds[(int)at]++;
        return seconds;
    }

    private async Task Worker(int worker, TimeSpan duration)
    {
        var random = new Random(worker * 7919);
        while (_clock.Elapsed < duration)
        {
            var freelancer = freelancers[random.Next(freelancers.Count)];
            var roll = random.Next(10);
            if (roll < 6) await Submit(freelancer);
            else if (roll < 8) await Purchase(freelancer);
            else await Send("read", () => http.GetAsync($"/v1/freelancers/{freelancer}/wallet"));
        }
    }

    private async Task Submit(string freelancer)
    {
        var index = _nextJob.AddOrUpdate(freelancer, 0, (_, i) => i + 1);
        if (index >= jobs.Count) return;
        var job = jobs[(index + Math.Abs(freelancer.GetHashCode())) % jobs.Count];
        var (status, body) = await Send("submit", () => http.PostJson($"/v1/jobs/{job}/proposals", $$"""{"freelancerId":"{{freelancer}}","expectedConnects":16}"""));
        if (status is HttpStatusCode.Created or HttpStatusCode.OK)
            Proposals[(freelancer, job)] = body.GetProperty("connectsCharged").GetInt32();
    }

    private async Task Purchase(string freelancer)
    {
        var reference = $"{freelancer}-load-{Interlocked.Increment(ref _purchases)}";
        var (status, _) = await Send("purchase", () => http.PostJson($"/v1/freelancers/{freelancer}/purchases", $$"""{"bundle":10,"paymentReference":"{{reference}}"}"""));
        if (status is HttpStatusCode.Created or HttpStatusCode.OK)
            Purchases.GetOrAdd(freelancer, _ => []).Add(reference);
    }

    /// <summary>How long an operation may keep answering 503: a failover on a loaded 2-core machine takes far less.</summary>
    public static readonly TimeSpan Unavailable = TimeSpan.FromSeconds(90);

    private async Task<(HttpStatusCode, JsonElement)> Send(string operation, Func<Task<HttpResponseMessage>> call)
    {
        var since = Stopwatch.StartNew();
        while (since.Elapsed < Unavailable)
        {
            var sent = Now;
            using var response = await call();
            _answers.Enqueue((Now, operation, response.StatusCode, Now - sent));
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                _completed.Enqueue(Now);
                var text = await response.Content.ReadAsStringAsync();
                return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
            }
            await Task.Delay(250); // the web tier's back-off before it retries a 503
        }
        throw new TimeoutException($"{operation} was still unavailable after {Unavailable.TotalSeconds:F0} s.");
    }
}
