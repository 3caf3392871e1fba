using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Durability;

public sealed class KillTests
{
    [Fact]
    public async Task Acknowledged_writes_survive_kill_minus_nine()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        string wallet, job;

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            await http.OpenWallet("k-alice", "basic");
            await http.PostJson("/v1/freelancers/k-alice/purchases", """{"bundle":60,"paymentReference":"k-pay"}""").Expect(HttpStatusCode.Created);
            await http.PostJob("k-job");
            await http.PostJson("/v1/jobs/k-job/proposals", """{"freelancerId":"k-alice","expectedConnects":16}""").Expect(HttpStatusCode.Created);
            wallet = (await http.Wallet("k-alice")).ToString();
            job = (await http.GetAsync("/v1/jobs/k-job").Expect(HttpStatusCode.OK)).ToString();
            await service.Kill();
        }

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            Assert.Equal(wallet, (await http.Wallet("k-alice")).ToString());
            Assert.Equal(job, (await http.GetAsync("/v1/jobs/k-job").Expect(HttpStatusCode.OK)).ToString());
            var retry = await http.PostJson("/v1/jobs/k-job/proposals", """{"freelancerId":"k-alice","expectedConnects":16}""").Expect(HttpStatusCode.OK);
            Assert.Equal(System.Text.Json.JsonDocument.Parse(wallet).RootElement.Int("balance"), retry.Int("balance"));
        }
    }

    /// <summary>kill -9 between changes and their delivery (the receiver was down): after the restart every event is
    /// delivered, signed, in order per wallet.</summary>
    [Fact]
    public async Task An_event_not_delivered_at_a_kill_minus_nine_is_delivered_after_the_restart()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        await using var receiver = await WebhookReceiver.Start();
        receiver.Failing = _ => true;
        var settings = new Dictionary<string, string>
        {
            ["Connects__Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Connects__Webhooks__Delivery__PollInterval"] = "00:00:00.05",
            ["Connects__Webhooks__Delivery__FirstRetryDelay"] = "00:00:00.05",
            ["Connects__Webhooks__Delivery__LongestRetryDelay"] = "00:00:00.5",
        };
        var wallets = Enumerable.Range(0, 4).Select(i => $"k-wh-{i}").ToList();
        var expected = new List<string>();

        await using (var service = await ServiceProcess.Start(db, settings))
        {
            var http = service.Http;
            var created = await http.PostJson("/v1/admin/webhooks",
                System.Text.Json.JsonSerializer.Serialize(new { url = receiver.Url, types = Connects.Domain.EventTypes.All })).Expect(HttpStatusCode.Created);
            receiver.Trust(created.GetProperty("secret").GetString()!);
            foreach (var w in wallets)
            {
                await http.OpenWallet(w, "basic");
                await http.PostJson($"/v1/freelancers/{w}/purchases", $$"""{"bundle":10,"paymentReference":"{{w}}-pay"}""").Expect(HttpStatusCode.Created);
                var feed = await http.GetAsync($"/v1/freelancers/{w}/events").Expect(HttpStatusCode.OK);
                expected.AddRange(feed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            }
            await receiver.WaitFor(r => !r.Requests.IsEmpty, TimeSpan.FromSeconds(30), "a first (refused) attempt");
            await service.Kill();
        }
        Assert.Empty(receiver.Acknowledged());

        receiver.Failing = _ => false;
        await using (var service = await ServiceProcess.Start(db, settings))
        {
            await receiver.WaitFor(r => expected.All(id => r.Acknowledged().Any(a => a.EventId == id)), TimeSpan.FromSeconds(60), "every event after the restart");
            receiver.AssertInOrderPerSubject(redelivered: true);
        }
    }

    /// <summary>kill -9 while wallets are changing (purchases in flight, captures still deferred): after the restart every
    /// change stored has exactly one event in its wallet's feed, in sequence, and the feed has none for a change not stored.</summary>
    [Fact]
    public async Task After_kill_minus_nine_every_stored_change_has_one_event_and_no_event_lacks_its_change()
    {
        using var folder = new TempDatabase(migrate: false);
        var db = Path.Combine(folder.Folder, "connects.db");
        var wallets = Enumerable.Range(0, 6).Select(i => $"k-ev-{i}").ToList();

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            await http.PostJob("k-ev-job");
            foreach (var w in wallets) await http.OpenWallet(w);
            var firstAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var traffic = wallets.Select(async w =>
            {
                try
                {
                    await http.PostJson("/v1/jobs/k-ev-job/proposals", $$"""{"freelancerId":"{{w}}","expectedConnects":16}""");
                    for (var i = 0; i < 50; i++)
                    {
                        await http.PostJson($"/v1/freelancers/{w}/purchases", $$"""{"bundle":10,"paymentReference":"{{w}}-{{i}}"}""");
                        if (i == 3) firstAnswered.TrySetResult();
                    }
                }
                catch (HttpRequestException)
                {
                    // the process died under it
                }
            }).ToList();
            await firstAnswered.Task.Within("a few purchases to be answered");
            await service.Kill();
            await Task.WhenAll(traffic);
        }

        await using (var service = await ServiceProcess.Start(db))
        {
            var http = service.Http;
            foreach (var w in wallets)
            {
                var history = await http.GetAsync($"/v1/freelancers/{w}/history?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=500").Expect(HttpStatusCode.OK);
                var stored = history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).Order().ToList();
                var feed = await http.GetAsync($"/v1/freelancers/{w}/events?limit=500").Expect(HttpStatusCode.OK);
                var events = feed.GetProperty("events").EnumerateArray().ToList();
                Assert.Equal(stored, events.Select(e => e.GetProperty("data").GetProperty("sequence").GetInt64()));
                Assert.Equal(stored.Select(q => $"wallet:{w}:{q}"), events.Select(e => e.GetProperty("id").GetString()));
            }
        }
    }
}
