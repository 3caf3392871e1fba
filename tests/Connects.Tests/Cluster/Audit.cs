using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Cluster;

/// <summary>After a run: every wallet's history sums to its balance, nothing is held, each acknowledged
/// proposal is charged once and recorded on its job, each acknowledged purchase applied once.</summary>
public static class Audit
{
    public static async Task<List<JsonElement>> History(HttpClient http, string freelancer)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await http.GetAsync($"/v1/freelancers/{freelancer}/history?from=2000-01-01T00:00:00Z&to=2200-01-01T00:00:00Z&limit=500"
                + (cursor is null ? "" : "&cursor=" + cursor)).Expect(HttpStatusCode.OK);
            all.AddRange(page.GetProperty("entries").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        return all;
    }

    public static async Task<(long Balances, long Spent)> Check(HttpClient http, Load load, IEnumerable<string> freelancers, IEnumerable<string> jobs)
    {
        long balances = 0, spent = 0;
        foreach (var f in freelancers)
        {
            var wallet = await http.Wallet(f);
            var history = await History(http, f);
            Assert.Equal(0, wallet.Int("held"));
            Assert.Equal(wallet.Int("balance"), history.Sum(e => e.Int("amount")));
            var spends = history.Where(e => e.GetProperty("kind").GetString() == "spend").ToList();
            var charged = spends.GroupBy(e => e.GetProperty("reference").GetString()!["proposal:".Length..]).ToDictionary(g => g.Key, g => g.ToList());
            var acknowledged = load.Proposals.Where(p => p.Key.Freelancer == f).ToDictionary(p => p.Key.Job, p => p.Value);
            Assert.Equal(acknowledged.Keys.Order(), charged.Keys.Order());
            foreach (var (job, amount) in acknowledged)
            {
                var spend = Assert.Single(charged[job]);
                Assert.Equal(-amount, spend.Int("amount"));
            }
            var purchases = history.Where(e => e.GetProperty("kind").GetString() == "purchase").Select(e => e.GetProperty("reference").GetString()!).ToList();
            Assert.Equal(purchases.Count, purchases.Distinct().Count());
            Assert.Equal(load.Purchases.GetValueOrDefault(f)?.Select(r => "purchase:" + r).Order().ToList() ?? [], purchases.Order().ToList());
            balances += wallet.Int("balance");
            spent += -spends.Sum(e => e.Int("amount"));
        }
        foreach (var job in jobs)
        {
            var view = await http.GetAsync($"/v1/jobs/{job}").Expect(HttpStatusCode.OK);
            Assert.Equal(load.Proposals.Count(p => p.Key.Job == job), view.Int("proposalCount"));
        }
        return (balances, spent);
    }
}
