using System.Diagnostics;
using System.Text.Json;
using Connects.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Connects.Bench;

public sealed partial class Scenarios
{
    private const int LagSamplers = 2;

    /// <summary>
    /// S1E (issue #14): S1 again, in the same run, with one webhook endpoint registered for every event type
    /// (<see cref="EventTypes.All"/>), pointing at a loopback receiver in this process; throughput as a ratio to S1.
    /// Beside the load, <see cref="LagSamplers"/> samplers each submit one S1 pair at a time and poll the events table
    /// until the submission's spend event is there (the events table's lag from the answer, row S1E-lag), then wait until
    /// the receiver has had it delivered, signed (the delivery lag from the answer, row S1E-delivery): if delivery did not
    /// keep pace with S1's rate, that lag would grow without bound and samples would miss the 10 s limit. The sampled
    /// submissions are not in S1E's throughput.
    /// </summary>
    private async Task WithEvents()
    {
        await using var receiver = await LoopbackReceiver.Start();
        Step($"setup S1E: a webhook endpoint for every event type at {receiver.Url}");
        var endpoint = await SendForJson(() => Post("/v1/admin/webhooks", new { url = receiver.Url, types = EventTypes.All }), CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var lags = new List<double>();
        var deliveryLags = new List<double>();
        var samplers = Enumerable.Range(0, LagSamplers).Select(_ => SampleEventLag(lags, deliveryLags, receiver, stop.Token)).ToList();
        await ProfilingStatements("S1E", "api", () => Load("S1E", "S1 with a webhook endpoint subscribed to every event type", _api, _ => S1Request(),
            ratioOf: "S1", target: 0.9, note: $"same run as S1; {LagSamplers} lag samplers beside it"));
        await stop.CancelAsync();
        var missed = await Task.WhenAll(samplers);
        var (failed, notDelivered) = (missed.Sum(m => m.Table), missed.Sum(m => m.Delivery));
        // Later scenarios run without it.
        await SendOrFail(() => new HttpRequestMessage(HttpMethod.Delete, $"/v1/admin/webhooks/{endpoint.GetProperty("id").GetString()}"), CancellationToken.None);
        var (p50, p99, max, samples) = Percentiles(lags);
        var (d50, d99, dmax, deliveries) = Percentiles(deliveryLags);
        Console.WriteLine($"  events table lag: {samples} samples, p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms; {failed} samples not seen within 10 s");
        Console.WriteLine($"  webhook delivery lag: {deliveries} samples, p50 {d50:F1} ms, p99 {d99:F1} ms, max {dmax:F1} ms; {notDelivered} not delivered within 10 s; receiver got {receiver.Received} requests");
        _rows.Add(new Row("S1E-lag", "events table lag: a submission's answer to its spend event in ConnectsEvent", null, null, null, "—", null,
            $"p99 {p99:F1} ms, p50 {p50:F1} ms, max {max:F1} ms over {samples} samples ({failed} not seen within 10 s); includes the deferred capture write (Connects:Wallet:DeferredWriteDelay)"));
        _rows.Add(new Row("S1E-delivery", "webhook delivery lag: a submission's answer to its signed spend event at the receiver", null, null, null, "—", null,
            $"p99 {d99:F1} ms, p50 {d50:F1} ms, max {dmax:F1} ms over {deliveries} samples ({notDelivered} not delivered within 10 s); receiver got {receiver.Received} requests; includes the events table lag and the poll interval (Connects:Webhooks:Delivery:PollInterval)"));
        Extra["s1e"] = new
        {
            receiverUrl = receiver.Url, types = EventTypes.All, lagSamples = samples, lagP50Ms = p50, lagP99Ms = p99, lagMaxMs = max, lagNotSeen = failed,
            deliveryLagSamples = deliveries, deliveryLagP50Ms = d50, deliveryLagP99Ms = d99, deliveryLagMaxMs = dmax, notDelivered, webhookRequestsReceived = receiver.Received,
        };
    }

    private static (double P50, double P99, double Max, int Count) Percentiles(List<double> values)
    {
        double[] sorted;
        lock (values) sorted = [.. values.Order()];
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return (P(0.5), P(0.99), sorted.Length == 0 ? double.NaN : sorted[^1], sorted.Length);
    }

    /// <summary>Submits one S1 pair at a time; for each accepted, the time from its answer until its spend event is in the
    /// events table (polled every 20 ms: polling every 5 ms cost S1E a visible share of PostgreSQL's CPU), and until the receiver has had it delivered. Returns the samples not seen within 10 s.</summary>
    private async Task<(int Table, int Delivery)> SampleEventLag(List<double> lags, List<double> deliveryLags, LoopbackReceiver receiver, CancellationToken stop)
    {
        var (missed, notDelivered) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            var k = Interlocked.Increment(ref _s1Seq);
            var (freelancer, job) = ($"s1-f{k % S1Freelancers}", $"s1-j{k % S1Jobs}");
            using var request = Post($"/v1/jobs/{job}/proposals", new { freelancerId = freelancer, expectedConnects = 16 });
            using var response = await _api.SendAsync(request, CancellationToken.None);
            var answered = Stopwatch.GetTimestamp();
            if ((int)response.StatusCode != 201) continue;
            var (seen, delivered) = (false, false);
            string? eventId = null;
            while (Stopwatch.GetElapsedTime(answered) < TimeSpan.FromSeconds(10) && !(seen && delivered))
            {
                if (!seen && (eventId = await storage.EventRecorded("api", freelancer, WalletEvents.Spent, ReceiptKeys.Paid(job))) is not null)
                {
                    lock (lags) lags.Add(Stopwatch.GetElapsedTime(answered).TotalMilliseconds);
                    seen = true;
                }
                // A freelancer is charged for a job once: its spend event for that job arrives once (or again with its id).
                if (seen && !delivered && receiver.Arrivals.TryGetValue(eventId!, out var arrived))
                {
                    lock (deliveryLags) deliveryLags.Add(Stopwatch.GetElapsedTime(answered, arrived).TotalMilliseconds);
                    delivered = true;
                }
                await Task.Delay(20, CancellationToken.None);
            }
            if (!seen) missed++;
            if (!delivered) notDelivered++;
        }
        return (missed, notDelivered);
    }

    /// <summary>A webhook receiver on loopback in the bench process: answers 204 to every POST, counts them, and notes when
    /// each event id (its <c>webhook-id</c> header) first arrived. It does not parse bodies: it shares the machine with the
    /// service it measures, so it should cost as little as a receiver can.</summary>
    private sealed class LoopbackReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _received;

        private LoopbackReceiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public long Received => Interlocked.Read(ref _received);

        /// <summary>When each event first arrived (a Stopwatch timestamp), by event id.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, long> Arrivals { get; } = new();

        public static async Task<LoopbackReceiver> Start()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new LoopbackReceiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                await request.Body.CopyToAsync(Stream.Null);
                receiver.Arrivals.TryAdd(request.Headers["webhook-id"].ToString(), Stopwatch.GetTimestamp());
                Interlocked.Increment(ref receiver._received);
                return Results.NoContent();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver.Url = address.TrimEnd('/') + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
