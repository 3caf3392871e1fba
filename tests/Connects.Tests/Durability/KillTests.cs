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
