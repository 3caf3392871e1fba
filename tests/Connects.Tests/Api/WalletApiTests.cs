using System.Globalization;
using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

public sealed class WalletApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task Opening_a_wallet_answers_201_then_200_with_the_same_wallet()
    {
        var created = await Http.OpenWallet("w-open", "basic");
        var again = await Http.PostJson("/v1/freelancers/w-open/wallet", """{"plan":"basic"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("billingAnchor").GetString(), again.GetProperty("billingAnchor").GetString());
        var wallet = await Http.Wallet("w-open");
        Assert.Equal("w-open", wallet.GetProperty("freelancerId").GetString());
        Assert.Equal("basic", wallet.GetProperty("plan").GetString());
        Assert.Equal(10, wallet.Int("balance"));
        Assert.Equal(0, wallet.Int("held"));
        Assert.Equal(10, wallet.Int("monthlyAllotment"));
        // The monthly Connects leave at the cycle's end, a calendar month after opening (the service runs on the real
        // calendar): within 30 days unless that month has 31.
        var cycle = DateTimeOffset.Parse(wallet.GetProperty("nextRefreshAt").GetString()!, CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(wallet.GetProperty("billingAnchor").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(cycle <= TimeSpan.FromDays(30) ? 10 : 0, wallet.Int("expiringWithin30Days"));
        var bucket = Assert.Single(wallet.GetProperty("buckets").EnumerateArray());
        Assert.Equal("monthly", bucket.GetProperty("source").GetString());
        Assert.Equal(wallet.GetProperty("nextRefreshAt").GetString(), bucket.GetProperty("expiresAt").GetString());
    }

    [Fact]
    public async Task An_unknown_wallet_is_404_with_a_problem()
    {
        await Http.GetAsync("/v1/freelancers/nobody/wallet").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
        await Http.GetAsync("/v1/freelancers/nobody/history").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
        await Http.PostJson("/v1/freelancers/nobody/purchases", """{"bundle":10,"paymentReference":"p"}""").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
        await Http.PutJson("/v1/freelancers/nobody/membership", """{"plan":"plus"}""").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
    }

    [Fact]
    public async Task A_purchase_applies_once_per_payment_reference()
    {
        await Http.OpenWallet("w-buy", "basic");
        var bought = await Http.PostJson("/v1/freelancers/w-buy/purchases", """{"bundle":40,"paymentReference":"pay-1"}""").Expect(HttpStatusCode.Created);
        var again = await Http.PostJson("/v1/freelancers/w-buy/purchases", """{"bundle":40,"paymentReference":"pay-1"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(bought.ToString(), again.ToString());
        Assert.Equal(40, bought.Int("connects"));
        Assert.Equal("6.00", bought.GetProperty("priceUsd").GetString());
        Assert.Equal(50, bought.Int("balance"));
        Assert.Equal(50, (await Http.Wallet("w-buy")).Int("balance"));
        await Http.PostJson("/v1/freelancers/w-buy/purchases", """{"bundle":20,"paymentReference":"pay-1"}""").ExpectProblem(HttpStatusCode.Conflict, "reference-reused");
    }

    [Theory]
    [InlineData("""{"bundle":30,"paymentReference":"p-30"}""", "invalid-bundle", "bundle")]
    [InlineData("""{"bundle":0,"paymentReference":"p-0"}""", "validation", "bundle")]
    [InlineData("""{"bundle":-10,"paymentReference":"p-neg"}""", "validation", "bundle")]
    [InlineData("""{"bundle":99999999999,"paymentReference":"p-big"}""", "validation", "bundle")]
    [InlineData("""{"bundle":"forty","paymentReference":"p-str"}""", "validation", "bundle")]
    [InlineData("""{"bundle":40}""", "validation", "paymentReference")]
    [InlineData("""{"bundle":40,"paymentReference":"has space"}""", "validation", "paymentReference")]
    [InlineData("""{"bundle":40,"paymentReference":"ok","tip":5}""", "validation", "tip")]
    [InlineData("""{"bundle":40,"paymentReference":""", "validation", "paymentReference")]
    public async Task Bad_purchases_are_400_naming_the_field_and_change_nothing(string body, string rule, string field)
    {
        await Http.OpenWallet("w-bad-buy", "basic").ContinueWith(_ => { });
        await Http.PostJson("/v1/freelancers/w-bad-buy/purchases", body).ExpectProblem(HttpStatusCode.BadRequest, rule, field);
        var wallet = await Http.Wallet("w-bad-buy");
        Assert.Equal(10, wallet.Int("balance"));
    }

    [Theory]
    [InlineData("""{"plan":"gold"}""", "plan")]
    [InlineData("""{"plan":1}""", "plan")]
    [InlineData("""{}""", "plan")]
    [InlineData("""not json""", "body")]
    public async Task Bad_plans_are_400_naming_the_field(string body, string field)
    {
        await Http.PostJson("/v1/freelancers/w-bad-plan/wallet", body).ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
        await Http.GetAsync("/v1/freelancers/w-bad-plan/wallet").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
    }

    [Theory]
    [InlineData("has.dot")]
    [InlineData("has%20space")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Ids_outside_the_allowed_shape_are_400_naming_the_route_field(string id)
    {
        await Http.PostJson($"/v1/freelancers/{id}/wallet", """{"plan":"basic"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "freelancerId");
        await Http.GetAsync($"/v1/jobs/{id}").ExpectProblem(HttpStatusCode.BadRequest, "validation", "jobId");
    }

    [Fact]
    public async Task Upgrading_grants_the_difference_at_once_and_downgrading_waits_for_the_next_cycle()
    {
        await Http.OpenWallet("w-plan", "basic");
        var upgraded = await Http.PutJson("/v1/freelancers/w-plan/membership", """{"plan":"plus"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(("plus", 70), (upgraded.GetProperty("plan").GetString(), upgraded.Int("balance")));
        var downgraded = await Http.PutJson("/v1/freelancers/w-plan/membership", """{"plan":"basic"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(("plus", "basic"), (downgraded.GetProperty("plan").GetString(), downgraded.GetProperty("nextPlan").GetString()));
        var upgradedAgain = await Http.PutJson("/v1/freelancers/w-plan/membership", """{"plan":"plus"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(70, upgradedAgain.Int("balance"));
    }

    [Fact]
    public async Task History_is_newest_first_pages_with_a_cursor_and_speaks_csv()
    {
        await Http.OpenWallet("w-history", "basic");
        for (var i = 0; i < 5; i++)
            await Http.PostJson("/v1/freelancers/w-history/purchases", $$"""{"bundle":10,"paymentReference":"h-{{i}}"}""").Expect(HttpStatusCode.Created);

        var first = await Http.GetAsync("/v1/freelancers/w-history/history?days=7&limit=4").Expect(HttpStatusCode.OK);
        var entries = first.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(4, entries.Count);
        Assert.Equal([6, 5, 4, 3], entries.Select(e => e.GetProperty("sequence").GetInt32()));
        Assert.Equal(60, entries[0].Int("balanceAfter"));
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await Http.GetAsync($"/v1/freelancers/w-history/history?days=7&limit=4&cursor={cursor}").Expect(HttpStatusCode.OK);
        Assert.Equal([2, 1], second.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt32()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/freelancers/w-history/history?days=30");
        request.Headers.Accept.ParseAdd("text/csv");
        var csv = await Http.SendAsync(request);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sequence,at,kind,amount,balanceAfter,reference,note", lines[0]);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("6,", lines[1]);
        Assert.Contains(",purchase,10,60,purchase:h-4,", lines[1]);
        Assert.Contains(",opened,10,10,opened,basic", lines[6]);
    }

    [Theory]
    [InlineData("days=8", "days")]
    [InlineData("days=7&from=2027-01-01T00:00:00Z", "days")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z", "from")]
    public async Task Bad_history_queries_are_400_naming_the_field(string query, string field)
    {
        await Http.OpenWallet("w-bad-history", "basic").ContinueWith(_ => { });
        await Http.GetAsync($"/v1/freelancers/w-bad-history/history?{query}").ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
    }
}
