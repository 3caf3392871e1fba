using System.Net;
using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents.SystemTextJson;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>The pull feed, GET /v1/freelancers/{id}/events: the wallet's events as CloudEvents 1.0, in sequence, paged by cursor.</summary>
public sealed class EventFeedApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task A_refunded_proposal_shows_in_the_feed_as_cloud_events_in_sequence()
    {
        await Http.OpenWallet("ef-ada");
        var price = (await Http.PostJob("ef-job")).Int("connectsRequired");
        await Http.PostJson("/v1/jobs/ef-job/proposals", """{"freelancerId":"ef-ada","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        await Http.PostJson("/v1/jobs/ef-job/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        await Eventually.Until(async () => (await Http.Wallet("ef-ada")).Int("balance") == 70 && (await Feed("")).Count == 3,
            "the refund and its event");

        var events = await Feed("");

        Assert.Equal(["connects.wallet.opened", "connects.ledger.spent", "connects.ledger.refunded"], events.Select(e => e.GetProperty("type").GetString()));
        var formatter = new JsonEventFormatter();
        long sequence = 0;
        foreach (var e in events)
        {
            // The CNCF SDK reads each as a valid CloudEvents 1.0 event.
            var cloudEvent = formatter.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(e.GetRawText()), new ContentType("application/cloudevents+json"), null);
            Assert.Equal(CloudNative.CloudEvents.CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
            Assert.Equal(new Uri("urn:connects"), cloudEvent.Source);
            Assert.Equal("ef-ada", cloudEvent.Subject);
            Assert.Equal($"wallet:ef-ada:{++sequence}", cloudEvent.Id);
            Assert.Equal(sequence, e.GetProperty("data").GetProperty("sequence").GetInt64());
        }
        var refund = events[2].GetProperty("data");
        Assert.Equal((price, 70, "refund"), (refund.Int("amount"), refund.Int("balanceAfter"), refund.GetProperty("kind").GetString()));
        Assert.Equal("proposal:ef-job", refund.GetProperty("reference").GetString()); // the proposal it gives back

        // Paged by cursor; the last cursor is where to poll from.
        var first = await Http.GetAsync("/v1/freelancers/ef-ada/events?limit=2").Expect(HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("events").GetArrayLength());
        var cursor = first.GetProperty("nextCursor").GetString();
        var rest = await Http.GetAsync($"/v1/freelancers/ef-ada/events?after={cursor}").Expect(HttpStatusCode.OK);
        Assert.Equal(events[2].GetProperty("id").GetString(), Assert.Single(rest.GetProperty("events").EnumerateArray()).GetProperty("id").GetString());
        var empty = await Http.GetAsync($"/v1/freelancers/ef-ada/events?after={rest.GetProperty("nextCursor").GetString()}").Expect(HttpStatusCode.OK);
        Assert.Equal(0, empty.GetProperty("events").GetArrayLength());
        Assert.Equal("3", empty.GetProperty("nextCursor").GetString());
    }

    [Fact]
    public async Task A_fall_below_the_low_balance_threshold_is_one_event_in_the_feed_and_none_in_the_history()
    {
        await Http.OpenWallet("ef-low", plan: "basic"); // 10: below 16 from the start, which is no crossing
        await Http.PostJson("/v1/admin/freelancers/ef-low/grants", """{"grantId":"ef-low-g","amount":6,"reason":"top-up"}""");
        await Http.PostJob("ef-low-job");
        await Http.PostJson("/v1/jobs/ef-low-job/proposals", """{"freelancerId":"ef-low","expectedConnects":16}""").Expect(HttpStatusCode.Created);
        var available = (await Http.Wallet("ef-low")).Int("available");
        await Eventually.Until(async () => (await FeedOf("ef-low")).Any(e => e.GetProperty("type").GetString() == "connects.wallet.low-balance"),
            "the low-balance event");

        var events = await FeedOf("ef-low");

        Assert.Equal(["connects.wallet.opened", "connects.ledger.granted", "connects.wallet.low-balance"], events.Take(3).Select(e => e.GetProperty("type").GetString()));
        var low = Assert.Single(events, e => e.GetProperty("type").GetString() == "connects.wallet.low-balance").GetProperty("data");
        Assert.True(available < 16, $"available {available}");
        Assert.Equal(("low-balance", available, 16), (low.GetProperty("kind").GetString(), low.Int("amount"), low.Int("balanceAfter")));
        Assert.Equal("below 16", low.GetProperty("note").GetString());
        var history = await Http.GetAsync("/v1/freelancers/ef-low/history").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(history.GetProperty("entries").EnumerateArray(), e => e.GetProperty("kind").GetString() == "low-balance");
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?after=-1", "after")]
    [InlineData("?after=abc", "after")]
    public async Task A_bad_query_is_400_naming_the_field(string query, string field)
    {
        await Http.PostJson("/v1/freelancers/ef-bad/wallet", """{"plan":"plus"}""");
        await Http.GetAsync("/v1/freelancers/ef-bad/events" + query).ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
        Assert.Single((await Http.GetAsync("/v1/freelancers/ef-bad/events").Expect(HttpStatusCode.OK)).GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_wallet_has_no_feed() =>
        await Http.GetAsync("/v1/freelancers/ef-nobody/events").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");

    private async Task<List<System.Text.Json.JsonElement>> FeedOf(string freelancerId) =>
        [.. (await Http.GetAsync($"/v1/freelancers/{freelancerId}/events").Expect(HttpStatusCode.OK)).GetProperty("events").EnumerateArray()];

    private async Task<List<System.Text.Json.JsonElement>> Feed(string query) =>
        [.. (await Http.GetAsync("/v1/freelancers/ef-ada/events" + query).Expect(HttpStatusCode.OK)).GetProperty("events").EnumerateArray()];
}
