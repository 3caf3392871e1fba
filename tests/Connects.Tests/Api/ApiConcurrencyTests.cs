using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

public sealed class ApiConcurrencyTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Fifty_concurrent_submissions_from_one_freelancer_charge_exactly_what_is_affordable()
    {
        var http = api.Client;
        await http.OpenWallet("c-busy", "basic");
        await http.PostJson("/v1/freelancers/c-busy/purchases", """{"bundle":20,"paymentReference":"c-pay"}""").Expect(HttpStatusCode.Created);
        var prices = new List<int>();
        for (var i = 0; i < 50; i++) prices.Add((await http.PostJob($"c-job-{i}")).Int("connectsRequired"));
        var price = Assert.Single(prices.Distinct());
        var affordable = 30 / price;
        Assert.InRange(affordable, 1, 49);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            http.PostJson($"/v1/jobs/c-job-{i}/proposals", """{"freelancerId":"c-busy","expectedConnects":16}""")));

        Assert.Equal(affordable, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(50 - affordable, responses.Count(r => r.StatusCode == HttpStatusCode.PaymentRequired));
        var wallet = await http.Wallet("c-busy");
        Assert.Equal((30 - affordable * price, 0), (wallet.Int("balance"), wallet.Int("held")));
        var history = await http.GetAsync("/v1/freelancers/c-busy/history?days=7&limit=500").Expect(HttpStatusCode.OK);
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(wallet.Int("balance"), entries.Sum(e => e.Int("amount")));
        Assert.All(entries, e => Assert.True(e.Int("balanceAfter") >= 0));
        Assert.Equal(affordable, entries.Count(e => e.GetProperty("kind").GetString() == "spend"));
    }
}
