using System.Net;
using System.Text.Json;
using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Connects.Tests.Api;

/// <summary>
/// Webhook delivery end to end: the service as the quick start runs it, and a real receiver on loopback (Kestrel) that
/// verifies every signature with the StandardWebhooks library. Every event arrives, in order per subject, through
/// outages; an endpoint failing for the whole retry window is disabled and an event says so; admins see the attempts
/// and replay.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private readonly TempDatabase _folder = new(migrate: false);
    private WebhookReceiver _receiver = null!;

    /// <summary>Loopback allowed for the receiver; fast polls and retries so that outages pass in seconds.</summary>
    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Connects:Webhooks:AllowedHosts:0"] = "127.0.0.1",
            ["Connects:Webhooks:Delivery:PollInterval"] = "00:00:00.05",
            ["Connects:Webhooks:Delivery:FirstRetryDelay"] = "00:00:00.05",
            ["Connects:Webhooks:Delivery:LongestRetryDelay"] = "00:00:00.5",
        };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _folder.Dispose();
    }

    private ApiFactory Service(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(Path.Combine(_folder.Folder, "connects.db"), settings ?? Settings()) { TestServices = services };

    private static async Task<string> Register(HttpClient http, WebhookReceiver receiver, IEnumerable<string> types)
    {
        var created = await http.PostJson("/v1/admin/webhooks", JsonSerializer.Serialize(new { url = receiver.Url, types })).Expect(HttpStatusCode.Created);
        receiver.Trust(created.GetProperty("secret").GetString()!);
        return created.GetProperty("id").GetString()!;
    }

    private static async Task<List<JsonElement>> Feed(HttpClient http, string freelancerId) =>
        [.. (await http.GetAsync($"/v1/freelancers/{freelancerId}/events?limit=500").Expect(HttpStatusCode.OK)).GetProperty("events").EnumerateArray()];

    [Fact]
    public async Task Every_event_arrives_signed_and_in_order_through_an_outage_of_the_receiver()
    {
        await using var service = Service();
        var http = service.CreateClient();
        var id = await Register(http, _receiver, EventTypes.All);
        var outageEnds = DateTime.UtcNow.AddSeconds(2);
        _receiver.Failing = _ => DateTime.UtcNow < outageEnds;

        var wallets = Enumerable.Range(0, 12).Select(i => $"wh-out-{i}").ToList();
        await Task.WhenAll(wallets.Select(async w =>
        {
            await http.OpenWallet(w);
            for (var i = 0; i < 3; i++)
                await http.PostJson($"/v1/freelancers/{w}/purchases", $$"""{"bundle":10,"paymentReference":"{{w}}-{{i}}"}""").Expect(HttpStatusCode.Created);
        }));
        await http.PostJob("wh-out-job");

        var expected = new Dictionary<string, JsonElement>();
        foreach (var w in wallets)
            foreach (var e in await Feed(http, w)) expected[e.GetProperty("id").GetString()!] = e;
        Assert.Equal(wallets.Count * 4, expected.Count);
        await _receiver.WaitFor(r => expected.Keys.All(k => r.Acknowledged().Any(a => a.EventId == k))
                                     && r.Acknowledged().Any(a => a.Type == JobEvents.Posted), TimeSpan.FromSeconds(60), "every event acknowledged");

        Assert.Contains(_receiver.Requests, r => !r.Acknowledged); // the outage was met and outlasted
        _receiver.AssertInOrderPerSubject();
        foreach (var received in _receiver.Acknowledged().Where(r => expected.ContainsKey(r.EventId)))
        {
            // The delivered event is the pull feed's: the same attributes and data.
            using var body = JsonDocument.Parse(received.Body);
            var feed = expected[received.EventId];
            Assert.Equal(feed.GetProperty("type").GetString(), body.RootElement.GetProperty("type").GetString());
            Assert.Equal(feed.GetProperty("source").GetString(), body.RootElement.GetProperty("source").GetString());
            Assert.Equal(feed.GetProperty("time").GetDateTimeOffset(), body.RootElement.GetProperty("time").GetDateTimeOffset());
            foreach (var field in new[] { "kind", "amount", "balanceAfter", "reference", "sequence" })
                Assert.Equal(feed.GetProperty("data").GetProperty(field).ToString(), body.RootElement.GetProperty("data").GetProperty(field).ToString());
        }

        // The attempts, newest first, show the outage's failures and the deliveries after it.
        var deliveries = await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries?limit=200").Expect(HttpStatusCode.OK);
        var attempts = deliveries.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.True(attempts[0].GetProperty("delivered").GetBoolean());
        Assert.Contains(attempts, a => !a.GetProperty("delivered").GetBoolean() && a.GetProperty("status").GetInt32() == 500
                                       && a.GetProperty("error").GetString()!.Contains("500", StringComparison.Ordinal));
        Assert.Contains(attempts, a => a.GetProperty("attempt").GetInt32() > 1 && a.GetProperty("delivered").GetBoolean());
    }

    [Fact]
    public async Task Ten_thousand_events_of_concurrent_traffic_arrive_in_order_per_wallet()
    {
        await using var service = Service();
        var http = service.CreateClient();
        await Register(http, _receiver, [WalletEvents.Opened, "connects.ledger.purchased"]);
        var grains = service.Services.GetRequiredService<IGrainFactory>();

        const int Wallets = 100, PurchasesEach = 99; // with each wallet's opening: 10,000 events
        await Parallel.ForEachAsync(Enumerable.Range(0, Wallets), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (w, _) =>
        {
            var wallet = grains.Wallet($"wh-10k-{w}");
            await wallet.Open(Plan.Basic);
            for (var i = 0; i < PurchasesEach; i++) await wallet.Purchase($"pay-{w}-{i}", 10);
        });

        await _receiver.WaitFor(r => r.Acknowledged().Count >= Wallets * (PurchasesEach + 1), TimeSpan.FromMinutes(4), "10,000 events acknowledged");
        var acknowledged = _receiver.Acknowledged();
        Assert.Equal(Wallets * (PurchasesEach + 1), acknowledged.Count);
        Assert.All(acknowledged.GroupBy(r => r.Subject), s => Assert.Equal(PurchasesEach + 1, s.Count()));
        _receiver.AssertInOrderPerSubject();
    }

    [Fact]
    public async Task An_endpoint_failing_for_the_whole_retry_window_is_disabled_and_an_event_says_so_until_a_replay()
    {
        var deliveryClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = Service(services: s => s.AddKeyedSingleton<TimeProvider>(WebhookDeliverySettings.ClockKey, deliveryClock));
        var http = service.CreateClient();
        await using var watcher = await WebhookReceiver.Start();
        await Register(http, watcher, [WebhookDelivery.Disabled]);
        var id = await Register(http, _receiver, ["connects.wallet.opened"]);
        _receiver.Failing = _ => true;

        await http.OpenWallet("wh-dead");
        await _receiver.WaitFor(r => !r.Requests.IsEmpty, TimeSpan.FromSeconds(30), "a first attempt");
        // Days of failures pass on the delivery's clock, a retry at a time (never more than LongestRetryDelay apart), until
        // the endpoint is disabled: not before three days.
        var start = deliveryClock.GetUtcNow();
        while (watcher.Requests.IsEmpty)
        {
            Assert.True(deliveryClock.GetUtcNow() - start < TimeSpan.FromDays(4), "still not disabled after four days of failures");
            var tried = _receiver.Requests.Count;
            // The failure is recorded (and its retry set by the delivery's clock) before the clock moves on.
            while ((await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries?limit=200").Expect(HttpStatusCode.OK)).GetProperty("deliveries").GetArrayLength() < tried)
                await Task.Delay(20);
            deliveryClock.Advance(TimeSpan.FromHours(6));
            await _receiver.WaitFor(r => r.Requests.Count > tried || !watcher.Requests.IsEmpty, TimeSpan.FromSeconds(30), "a retry or the endpoint disabled");
        }
        Assert.True(deliveryClock.GetUtcNow() - start >= TimeSpan.FromDays(3), "disabled before three days of failures");
        await watcher.WaitFor(r => r.Acknowledged().Count == 1, TimeSpan.FromSeconds(30), "the disabled event");
        var disabled = Assert.Single(watcher.Acknowledged());
        Assert.Equal(WebhookDelivery.Disabled, disabled.Type);
        Assert.Equal(WebhookDelivery.SubjectOf(id), disabled.Subject);
        var listed = (await http.GetAsync("/v1/admin/webhooks").Expect(HttpStatusCode.OK)).GetProperty("webhooks").EnumerateArray()
            .Single(w => w.GetProperty("id").GetString() == id);
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("disabledAt").ValueKind);

        // Disabled: nothing more is sent, whatever happens.
        var sent = _receiver.Requests.Count;
        await http.OpenWallet("wh-dead-2");
        deliveryClock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(500);
        Assert.Equal(sent, _receiver.Requests.Count);

        // A replay enables it again and delivers both wallets' openings.
        _receiver.Failing = _ => false;
        await http.PostJson($"/v1/admin/webhooks/{id}/replay", $$"""{"from":"{{disabled.Time.AddDays(-1):O}}"}""").Expect(HttpStatusCode.OK);
        await _receiver.WaitFor(r => r.Acknowledged().Count == 2, TimeSpan.FromSeconds(30), "both openings after the replay");
        Assert.Equal(["wh-dead", "wh-dead-2"], _receiver.Acknowledged().Select(r => r.Subject).Order());
        listed = (await http.GetAsync("/v1/admin/webhooks").Expect(HttpStatusCode.OK)).GetProperty("webhooks").EnumerateArray()
            .Single(w => w.GetProperty("id").GetString() == id);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("disabledAt").ValueKind);
    }

    [Fact]
    public async Task A_replay_delivers_again_with_the_same_ids_and_bad_requests_change_nothing()
    {
        await using var service = Service();
        var http = service.CreateClient();
        var id = await Register(http, _receiver, ["connects.wallet.opened", "connects.ledger.purchased"]);
        await http.OpenWallet("wh-replay");
        await http.PostJson("/v1/freelancers/wh-replay/purchases", """{"bundle":10,"paymentReference":"r-1"}""").Expect(HttpStatusCode.Created);
        await _receiver.WaitFor(r => r.Acknowledged().Count == 2, TimeSpan.FromSeconds(30), "two events");
        var first = _receiver.Requests.Select(r => r.EventId).ToList();

        await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries?limit=0").ExpectProblem(HttpStatusCode.BadRequest, "validation", "limit");
        await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries?limit=201").ExpectProblem(HttpStatusCode.BadRequest, "validation", "limit");
        await http.PostJson($"/v1/admin/webhooks/{id}/replay", "{}").ExpectProblem(HttpStatusCode.BadRequest, "validation", "from");
        await http.PostJson($"/v1/admin/webhooks/{id}/replay", """{"from":"yesterday"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "from");
        await http.GetAsync("/v1/admin/webhooks/wh_nope/deliveries").ExpectProblem(HttpStatusCode.NotFound, "webhook-not-found");
        await http.PostJson("/v1/admin/webhooks/wh_nope/replay", """{"from":"2026-01-01T00:00:00Z"}""").ExpectProblem(HttpStatusCode.NotFound, "webhook-not-found");
        await Task.Delay(300);
        Assert.Equal(first.Count, _receiver.Requests.Count); // none of those redelivered anything

        var delivered = (await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK)).GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(2, delivered.Count);
        Assert.All(delivered, d => Assert.Equal(204, d.GetProperty("status").GetInt32()));
        Assert.Equal(first.AsEnumerable().Reverse(), delivered.Select(d => d.GetProperty("eventId").GetString()));

        var replay = await http.PostJson($"/v1/admin/webhooks/{id}/replay", """{"from":"2000-01-01T00:00:00Z"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(id, replay.GetProperty("webhookId").GetString());
        await _receiver.WaitFor(r => r.Requests.Count == 4, TimeSpan.FromSeconds(30), "the replay");
        Assert.Equal(first.Concat(first), _receiver.Requests.Select(r => r.EventId));

        // Removed: its delivery stops with it.
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/v1/admin/webhooks/{id}")).StatusCode);
        await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries").ExpectProblem(HttpStatusCode.NotFound, "webhook-not-found");
        await http.PostJson("/v1/freelancers/wh-replay/purchases", """{"bundle":10,"paymentReference":"r-2"}""").Expect(HttpStatusCode.Created);
        await Task.Delay(500);
        Assert.Equal(4, _receiver.Requests.Count);
    }

    [Fact]
    public async Task Nothing_is_sent_to_a_loopback_address_the_allow_list_does_not_name()
    {
        // Registered while the allow-list named it; the silo that delivers does not allow it (its settings changed since).
        await using (var allowing = Service())
        {
            var http = allowing.CreateClient();
            await Register(http, _receiver, ["connects.wallet.opened"]);
        }
        await using var service = Service(Settings(("Connects:Webhooks:AllowedHosts:0", "hooks.example.com")));
        var client = service.CreateClient();
        await client.OpenWallet("wh-guarded");
        var id = (await client.GetAsync("/v1/admin/webhooks").Expect(HttpStatusCode.OK)).GetProperty("webhooks")[0].GetProperty("id").GetString();
        JsonElement attempt = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var attempts = (await client.GetAsync($"/v1/admin/webhooks/{id}/deliveries").Expect(HttpStatusCode.OK)).GetProperty("deliveries");
            if (attempts.GetArrayLength() > 0) { attempt = attempts[0]; break; }
            await Task.Delay(100);
        }
        Assert.Equal(JsonValueKind.Object, attempt.ValueKind);
        Assert.False(attempt.GetProperty("delivered").GetBoolean());
        Assert.Contains("loopback", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);
    }
}
