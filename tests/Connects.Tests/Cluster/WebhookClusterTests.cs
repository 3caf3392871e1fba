using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Cluster;

/// <summary>Webhook delivery on a PostgreSQL cluster: the silo delivering an endpoint's events is killed (kill -9) while
/// traffic makes more; another silo takes the delivery over and every event still arrives, in order per wallet.</summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class WebhookClusterTests
{
    private static readonly string[] Types = ["connects.wallet.opened", "connects.ledger.purchased"];

    [Fact]
    public async Task Killing_the_silo_that_delivers_loses_no_event()
    {
        await using var receiver = await WebhookReceiver.Start();
        await using var cluster = await LocalCluster.Up(3, new Dictionary<string, string>
        {
            ["Connects__Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Connects__Webhooks__Delivery__PollInterval"] = "00:00:00.05",
            ["Connects__Webhooks__Delivery__FirstRetryDelay"] = "00:00:00.05",
            ["Connects__Webhooks__Delivery__LongestRetryDelay"] = "00:00:01",
        });
        var http = cluster.Http;
        var created = await http.PostJson("/v1/admin/webhooks",
            JsonSerializer.Serialize(new { url = receiver.Url, types = Types })).Expect(HttpStatusCode.Created);
        receiver.Trust(created.GetProperty("secret").GetString()!);
        var id = created.GetProperty("id").GetString()!;

        var wallets = Enumerable.Range(1, 24).Select(i => $"whk-{i}").ToArray();
        var stop = DateTime.UtcNow.AddSeconds(25);
        var traffic = Task.WhenAll(wallets.Select(async w =>
        {
            // Calls may fail while the silo dies; the wallets' own feeds say afterwards what happened.
            await Try(() => http.PostJson($"/v1/freelancers/{w}/wallet", """{"plan":"plus"}"""));
            for (var i = 0; DateTime.UtcNow < stop; i++)
                await Try(() => http.PostJson($"/v1/freelancers/{w}/purchases", $$"""{"bundle":10,"paymentReference":"{{w}}-{{i}}"}"""));
        }));

        await receiver.WaitFor(r => r.Acknowledged().Count >= 50, TimeSpan.FromSeconds(60), "deliveries under way");
        var before = await Delivering(http, id);
        await cluster.KillSilo(cluster.SiloListeningOn(before));
        await traffic;

        var expected = new HashSet<string>();
        foreach (var w in wallets)
        {
            var feed = await http.GetAsync($"/v1/freelancers/{w}/events?limit=500");
            if (feed.StatusCode == HttpStatusCode.NotFound) continue;
            using var json = JsonDocument.Parse(await feed.Content.ReadAsStringAsync());
            foreach (var e in json.RootElement.GetProperty("events").EnumerateArray()) expected.Add(e.GetProperty("id").GetString()!);
        }
        Assert.True(expected.Count > 100, $"only {expected.Count} events made");
        await receiver.WaitFor(r => expected.IsSubsetOf(r.Acknowledged().Select(a => a.EventId)), TimeSpan.FromMinutes(3), "every event after the kill");
        receiver.AssertInOrderPerSubject(redelivered: true);
        Assert.NotEqual(before, await Delivering(http, id));
    }

    /// <summary>The port of the silo delivering to the endpoint now.</summary>
    private static async Task<int> Delivering(HttpClient http, string id)
    {
        var report = await http.GetAsync($"/v1/admin/webhooks/{id}/deliveries?limit=1").Expect(HttpStatusCode.OK);
        return int.Parse(report.GetProperty("silo").GetString()!.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Try(Func<Task<HttpResponseMessage>> call)
    {
        try
        {
            (await call()).Dispose();
        }
        catch (HttpRequestException)
        {
        }
    }
}
