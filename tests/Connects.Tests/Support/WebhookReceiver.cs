using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Connects.Tests.Support;

/// <summary>
/// A webhook receiver as a web tier would run one: Kestrel on loopback, every request's signature verified with the
/// StandardWebhooks library (a bad one is answered 401 and never counts as received). <see cref="Failing"/> scripts
/// outages: while it says so, the receiver answers 500.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private string? _secret;

    /// <summary>Whether the next request is answered 500 (given the event id).</summary>
    public Func<string, bool> Failing { get; set; } = _ => false;

    /// <summary>Every request in the order answered: acknowledged (2xx) or not.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Requests whose signature did not verify.</summary>
    public ConcurrentQueue<string> BadSignatures { get; } = new();

    public string Url { get; }

    private WebhookReceiver(WebApplication app, string url) => (_app, Url) = (app, url);

    public static async Task<WebhookReceiver> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            try
            {
                new StandardWebhook(receiver!._secret!).Verify(body, request.Headers);
            }
            catch (Exception ex) when (ex is WebhookVerificationException or FormatException or ArgumentNullException)
            {
                receiver!.BadSignatures.Enqueue(ex.Message);
                return Results.StatusCode(401);
            }
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var data = root.GetProperty("data");
            var e = new Received(request.Headers["webhook-id"].ToString(), root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!,
                root.GetProperty("subject").GetString()!, data.TryGetProperty("sequence", out var s) ? s.GetInt64() : 0,
                root.GetProperty("time").GetDateTimeOffset(), body, Acknowledged: !receiver!.Failing(root.GetProperty("id").GetString()!));
            receiver.Requests.Enqueue(e);
            return e.Acknowledged ? Results.NoContent() : Results.StatusCode(500);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new WebhookReceiver(app, address + "/hook");
        return receiver;
    }

    /// <summary>The endpoint's secret, known once it is registered (before any event can be sent to it).</summary>
    public void Trust(string secret) => _secret = secret;

    /// <summary>The events acknowledged, first acknowledgement of each, in that order.</summary>
    public IReadOnlyList<Received> Acknowledged() =>
        [.. Requests.Where(r => r.Acknowledged).GroupBy(r => r.EventId).Select(g => g.First())];

    /// <summary>Every signature verified, each subject's events were acknowledged in sequence, every duplicate carried the
    /// same id, and (unless <paramref name="redelivered"/>: a crash or a replay) nothing was sent again once acknowledged.</summary>
    public void AssertInOrderPerSubject(bool redelivered = false)
    {
        Assert.Empty(BadSignatures);
        Assert.All(Requests, r => Assert.Equal(r.EventId, r.WebhookId));
        foreach (var subject in Acknowledged().GroupBy(r => r.Subject))
        {
            var sequences = subject.Select(r => r.Sequence).ToList();
            Assert.True(sequences.SequenceEqual(sequences.Order()), $"{subject.Key} acknowledged out of order: {string.Join(",", sequences)}");
        }
        if (redelivered) return;
        foreach (var e in Requests.GroupBy(r => r.EventId))
            Assert.True(e.Count(r => r.Acknowledged) == 1 || e.All(r => r.Acknowledged), $"{e.Key} sent again after it was acknowledged");
    }

    public async Task WaitFor(Func<WebhookReceiver, bool> done, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!done(this))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {within} for {what}; {Requests.Count} requests, {Acknowledged().Count} acknowledged, {BadSignatures.Count} bad signatures.");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Received(string WebhookId, string EventId, string Type, string Subject, long Sequence, DateTimeOffset Time, string Body, bool Acknowledged);
}
