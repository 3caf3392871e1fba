using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>Boosted proposals and invitations (issue #13) through the API: every rule and every refusal.</summary>
public sealed class BoostApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    private Task<HttpResponseMessage> Submit(string jobId, string freelancerId, int? boostBid = null, int expected = 16) =>
        Http.PostJson($"/v1/jobs/{jobId}/proposals", boostBid is null
            ? $$"""{"freelancerId":"{{freelancerId}}","expectedConnects":{{expected}}}"""
            : $$"""{"freelancerId":"{{freelancerId}}","expectedConnects":{{expected}},"boostBid":{{boostBid}}}""");

    private Task<HttpResponseMessage> Bid(string jobId, string freelancerId, int bid) =>
        Http.PutJson($"/v1/jobs/{jobId}/proposals/{freelancerId}/boost", $$"""{"bid":{{bid}}}""");

    private async Task<List<(string Kind, int Amount, string Reference)>> History(string freelancerId)
    {
        var history = await Http.GetAsync($"/v1/freelancers/{freelancerId}/history?days=7").Expect(HttpStatusCode.OK);
        return [.. history.GetProperty("entries").EnumerateArray()
            .Select(e => (e.GetProperty("kind").GetString()!, e.Int("amount"), e.GetProperty("reference").GetString()!)).Reverse()];
    }

    private async Task<List<(string Id, bool Boosted, int Bid)>> Ranking(string jobId)
    {
        var list = await Http.GetAsync($"/v1/jobs/{jobId}/proposals").Expect(HttpStatusCode.OK);
        return [.. list.GetProperty("proposals").EnumerateArray()
            .Select(p => (p.GetProperty("freelancerId").GetString()!, p.GetProperty("boosted").GetBoolean(), p.Int("boostBid")))];
    }

    private async Task<JsonElement> Auction(string jobId) =>
        (await Http.GetAsync($"/v1/jobs/{jobId}").Expect(HttpStatusCode.OK)).GetProperty("auction");

    private async Task<int> Balance(string freelancerId) => (await Http.Wallet(freelancerId)).Int("balance");

    private async Task AuditIsClean()
    {
        var audit = await Http.GetAsync("/v1/admin/audit").Expect(HttpStatusCode.OK);
        Assert.True(audit.GetProperty("clean").GetBoolean(), audit.ToString());
    }

    [Fact]
    public async Task Four_top_bids_are_boosted_an_outbid_gets_its_bid_back_once_and_raises_charge_the_difference()
    {
        const string job = "bo-top";
        await Http.PostJob(job);
        var price = new Dictionary<string, int>();
        foreach (var (f, bid) in new[] { ("bo-a", 5), ("bo-b", 6), ("bo-c", 7), ("bo-d", 8) })
        {
            await Http.OpenWallet(f);
            var made = await Submit(job, f, bid).Expect(HttpStatusCode.Created);
            price[f] = made.Int("connectsCharged");
            Assert.Equal((bid, true, 70 - price[f] - bid), (made.Int("boostBid"), made.GetProperty("boosted").GetBoolean(), made.Int("balance")));
        }
        var auction = await Auction(job);
        Assert.Equal((true, 4, 6), (auction.GetProperty("open").GetBoolean(), auction.Int("spots"), auction.Int("minimumToEnter")));
        Assert.Equal([8, 7, 6, 5], auction.GetProperty("winningBids").EnumerateArray().Select(b => b.GetInt32()));

        // A fifth, higher bid pushes the lowest out: its bid comes back at once, as its own entry.
        await Http.OpenWallet("bo-e");
        var fifth = await Submit(job, "bo-e", 10).Expect(HttpStatusCode.Created);
        Assert.True(fifth.GetProperty("boosted").GetBoolean());
        Assert.Equal(70 - price["bo-a"], await Balance("bo-a"));
        var a = await History("bo-a");
        Assert.Equal([("spend", -price["bo-a"], "proposal:" + job), ("boost-bid", -5, job), ("boost-returned", 5, job)], a.Skip(1));
        Assert.Equal([("bo-e", true, 10), ("bo-d", true, 8), ("bo-c", true, 7), ("bo-b", true, 6), ("bo-a", false, 5)], await Ranking(job));

        // A raise of a held bid charges only the difference; the same bid again charges nothing; a lower one is refused.
        var raised = await Bid(job, "bo-b", 9).Expect(HttpStatusCode.OK);
        Assert.Equal((9, 3, true, 70 - price["bo-b"] - 9), (raised.Int("bid"), raised.Int("charged"), raised.GetProperty("boosted").GetBoolean(), raised.Int("balance")));
        var again = await Bid(job, "bo-b", 9).Expect(HttpStatusCode.OK);
        Assert.Equal((0, 70 - price["bo-b"] - 9), (again.Int("charged"), again.Int("balance")));
        var lower = await Bid(job, "bo-b", 4).ExpectProblem(HttpStatusCode.Conflict, "bid-not-higher");
        Assert.Equal((9, "bid"), (lower.Int("currentBid"), lower.GetProperty("field").GetString()));
        Assert.Equal([("boost-bid", -6, job), ("boost-bid", -3, job)], (await History("bo-b")).Where(e => e.Kind.StartsWith("boost", StringComparison.Ordinal)));
        // The submission retried with its first bid, below the raise: the same refusal, naming the bid held now and the submit's field.
        var stale = await Submit(job, "bo-b", 6).ExpectProblem(HttpStatusCode.Conflict, "bid-not-higher");
        Assert.Equal((9, "boostBid"), (stale.Int("currentBid"), stale.GetProperty("field").GetString()));
        Assert.Equal(70 - price["bo-b"] - 9, await Balance("bo-b"));

        // Re-entering after an outbid charges the whole new bid (the old one was returned); it pushes out the lowest (bo-c, 7).
        var back = await Bid(job, "bo-a", 12).Expect(HttpStatusCode.OK);
        Assert.Equal((12, true, 70 - price["bo-a"] - 12), (back.Int("charged"), back.GetProperty("boosted").GetBoolean(), back.Int("balance")));
        Assert.Equal(70 - price["bo-c"], await Balance("bo-c"));

        // Equal bids rank by who bid first: bo-f's 9 enters (above bo-d's 8) but ranks after bo-b's earlier 9.
        await Http.OpenWallet("bo-f");
        await Submit(job, "bo-f", 9).Expect(HttpStatusCode.Created);
        Assert.Equal(
            [("bo-a", true, 12), ("bo-e", true, 10), ("bo-b", true, 9), ("bo-f", true, 9), ("bo-c", false, 7), ("bo-d", false, 8)],
            await Ranking(job));
        Assert.Equal(10, (await Auction(job)).Int("minimumToEnter"));
        // Each outbid was returned exactly once.
        foreach (var f in new[] { "bo-a", "bo-c", "bo-d" })
            Assert.Single(await History(f), e => e.Kind == "boost-returned");
        await AuditIsClean();
    }

    [Fact]
    public async Task A_bid_below_the_top_spots_charges_nothing_and_a_retry_answers_the_same()
    {
        const string job = "bo-low";
        await Http.PostJob(job);
        foreach (var f in new[] { "bo-l1", "bo-l2", "bo-l3", "bo-l4", "bo-l5" }) await Http.OpenWallet(f);
        foreach (var f in new[] { "bo-l1", "bo-l2", "bo-l3", "bo-l4" }) await Submit(job, f, 20).Expect(HttpStatusCode.Created);
        var low = await Submit(job, "bo-l5", 20).Expect(HttpStatusCode.Created);
        Assert.Equal((20, false, 70 - low.Int("connectsCharged")), (low.Int("boostBid"), low.GetProperty("boosted").GetBoolean(), low.Int("balance")));
        var retried = await Submit(job, "bo-l5", 20).Expect(HttpStatusCode.OK);
        Assert.Equal(low.ToString(), retried.ToString());
        Assert.DoesNotContain(await History("bo-l5"), e => e.Kind.StartsWith("boost", StringComparison.Ordinal));
        // A boosted submission retried: 200, the same answer, charged once.
        var first = await Submit(job, "bo-l1", 20).Expect(HttpStatusCode.OK);
        Assert.Equal((20, true), (first.Int("boostBid"), first.GetProperty("boosted").GetBoolean()));
        Assert.Single(await History("bo-l1"), e => e.Kind == "boost-bid");
        await AuditIsClean();
    }

    [Fact]
    public async Task Price_and_bid_come_from_the_same_Connects_and_refusals_charge_nothing()
    {
        const string job = "bo-afford";
        await Http.PostJob(job);
        await Http.OpenWallet("bo-poor", "basic"); // 10 Connects
        var price = (await Http.GetAsync($"/v1/jobs/{job}").Expect(HttpStatusCode.OK)).Int("connectsRequired");
        var poor = await Submit(job, "bo-poor", 10).ExpectProblem(HttpStatusCode.PaymentRequired, "insufficient-connects");
        Assert.Equal((price + 10, 10), (poor.Int("required"), poor.Int("available")));
        Assert.Equal(10, await Balance("bo-poor"));
        Assert.Empty(await Ranking(job));

        // expectedConnects guards only the price: a bid above it is fine.
        var made = await Submit(job, "bo-poor", 10 - price, expected: price).Expect(HttpStatusCode.Created);
        Assert.Equal((price, 10 - price, 0), (made.Int("connectsCharged"), made.Int("boostBid"), made.Int("balance")));
        // A retry with the same bid: the same answer, nothing more charged.
        var retried = await Submit(job, "bo-poor", 10 - price, expected: price).Expect(HttpStatusCode.OK);
        Assert.Equal(made.ToString(), retried.ToString());
        await AuditIsClean();
    }

    [Fact]
    public async Task Bids_are_refused_with_their_rule_and_change_nothing()
    {
        const string job = "bo-refuse";
        await Http.PostJob(job);
        await Http.OpenWallet("bo-r1");
        await Http.OpenWallet("bo-r2");
        await Bid(job, "bo-r1", 5).ExpectProblem(HttpStatusCode.NotFound, "proposal-not-found");
        await Bid("bo-nojob", "bo-r1", 5).ExpectProblem(HttpStatusCode.NotFound, "job-not-found");
        await Bid(job, "bo-r1", 0).ExpectProblem(HttpStatusCode.BadRequest, "validation", "bid");
        await Http.PutJson($"/v1/jobs/{job}/proposals/bo-r1/boost", "{}").ExpectProblem(HttpStatusCode.BadRequest, "validation", "bid");
        await Submit(job, "bo-r1", 0).ExpectProblem(HttpStatusCode.BadRequest, "validation", "boostBid");
        await Submit(job, "bo-r1", -3).ExpectProblem(HttpStatusCode.BadRequest, "validation", "boostBid");
        Assert.Equal(70, await Balance("bo-r1"));

        await Submit(job, "bo-r1").Expect(HttpStatusCode.Created);
        var before = await Balance("bo-r1");
        // The bid's 402 has the submit's shape: what it needs, what is available and when more arrive.
        var poor = await Bid(job, "bo-r1", 71).ExpectProblem(HttpStatusCode.PaymentRequired, "insufficient-connects");
        var wallet = await Http.Wallet("bo-r1");
        Assert.Equal((71, wallet.Int("available"), wallet.GetProperty("nextRefreshAt").GetDateTimeOffset()),
            (poor.Int("required"), poor.Int("available"), poor.GetProperty("nextRefreshAt").GetDateTimeOffset()));
        Assert.Equal(before, await Balance("bo-r1"));
        await Http.DeleteAsync($"/v1/jobs/{job}/proposals/bo-r1").Expect(HttpStatusCode.OK);
        await Bid(job, "bo-r1", 5).ExpectProblem(HttpStatusCode.Conflict, "proposal-not-active");
        Assert.Equal(before, await Balance("bo-r1"));
    }

    [Fact]
    public async Task Hiring_closes_the_auction_and_winners_keep_what_they_bid()
    {
        const string job = "bo-hire";
        await Http.PostJob(job);
        await Http.OpenWallet("bo-h1");
        await Http.OpenWallet("bo-h2");
        await Submit(job, "bo-h1", 4).Expect(HttpStatusCode.Created);
        await Submit(job, "bo-h2").Expect(HttpStatusCode.Created);
        await Http.PostJson($"/v1/jobs/{job}/hire", """{"freelancerId":"bo-h2"}""").Expect(HttpStatusCode.OK);
        var auction = await Auction(job);
        Assert.False(auction.GetProperty("open").GetBoolean());
        Assert.Equal(JsonValueKind.Null, auction.GetProperty("minimumToEnter").ValueKind);
        Assert.Equal([4], auction.GetProperty("winningBids").EnumerateArray().Select(b => b.GetInt32()));
        var before = await Balance("bo-h1");
        await Bid(job, "bo-h1", 9).ExpectProblem(HttpStatusCode.Conflict, "auction-closed");
        Assert.Equal(before, await Balance("bo-h1"));
        // Removal after the hire still refunds the proposal and the bid still held, once.
        await Http.PostJson($"/v1/jobs/{job}/cancel", """{"reason":"removed-by-marketplace"}""").Expect(HttpStatusCode.OK);
        await Http.PostJson($"/v1/jobs/{job}/cancel", """{"reason":"removed-by-marketplace"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(70, await Balance("bo-h1"));
        Assert.Single(await History("bo-h1"), e => e == ("boost-refunded", 4, job));
        await AuditIsClean();
    }

    [Fact]
    public async Task Cancelling_refunds_held_bids_once_and_a_withdrawn_winner_gets_nothing_back()
    {
        const string job = "bo-cancel";
        await Http.PostJob(job);
        foreach (var f in new[] { "bo-c1", "bo-c2", "bo-c3" }) await Http.OpenWallet(f);
        await Submit(job, "bo-c1", 3).Expect(HttpStatusCode.Created);
        var c2 = await Submit(job, "bo-c2", 5).Expect(HttpStatusCode.Created);
        await Submit(job, "bo-c3").Expect(HttpStatusCode.Created);
        await Http.DeleteAsync($"/v1/jobs/{job}/proposals/bo-c2").Expect(HttpStatusCode.OK);
        Assert.Equal([3], (await Auction(job)).GetProperty("winningBids").EnumerateArray().Select(b => b.GetInt32()));

        await Http.PostJson($"/v1/jobs/{job}/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        await Http.PostJson($"/v1/jobs/{job}/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(70, await Balance("bo-c1"));
        Assert.Equal([("boost-refunded", 3, job)], (await History("bo-c1")).Where(e => e.Kind == "boost-refunded"));
        Assert.Equal(70 - c2.Int("connectsCharged") - 5, await Balance("bo-c2"));
        Assert.DoesNotContain(await History("bo-c2"), e => e.Kind is "boost-refunded" or "boost-returned" or "refund");
        Assert.Equal(70, await Balance("bo-c3"));
        await AuditIsClean();
    }

    [Fact]
    public async Task An_invited_freelancers_proposal_costs_nothing_but_a_bid_is_still_charged()
    {
        const string job = "bo-invite";
        await Http.PostJob(job);
        await Http.OpenWallet("bo-i1");
        var created = await Http.PostJson($"/v1/jobs/{job}/invitations", """{"freelancerId":"bo-i1"}""").Expect(HttpStatusCode.Created);
        Assert.Equal(("bo-invite", "bo-i1"), (created.GetProperty("jobId").GetString(), created.GetProperty("freelancerId").GetString()));
        await Http.PostJson($"/v1/jobs/{job}/invitations", """{"freelancerId":"bo-i1"}""").Expect(HttpStatusCode.OK);
        await Http.PostJson($"/v1/jobs/{job}/invitations", """{"freelancerId":"bad id"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "freelancerId");
        await Http.PostJson($"/v1/jobs/{job}/invitations", "{}").ExpectProblem(HttpStatusCode.BadRequest, "validation", "freelancerId");
        await Http.PostJson("/v1/jobs/bo-nojob/invitations", """{"freelancerId":"bo-i1"}""").ExpectProblem(HttpStatusCode.NotFound, "job-not-found");

        var made = await Submit(job, "bo-i1", 3).Expect(HttpStatusCode.Created);
        Assert.Equal((0, 3, true, 67), (made.Int("connectsCharged"), made.Int("boostBid"), made.GetProperty("boosted").GetBoolean(), made.Int("balance")));
        // Cancelled: the bid comes back; the free proposal has nothing to refund.
        await Http.PostJson($"/v1/jobs/{job}/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(70, await Balance("bo-i1"));
        await Http.PostJson($"/v1/jobs/{job}/invitations", """{"freelancerId":"bo-i2"}""").ExpectProblem(HttpStatusCode.Conflict, "job-not-open");
        await AuditIsClean();
    }

    [Fact]
    public async Task The_proposal_list_and_the_job_answer_404_for_a_job_never_posted() =>
        await Http.GetAsync("/v1/jobs/bo-never/proposals").ExpectProblem(HttpStatusCode.NotFound, "job-not-found");
}

/// <summary>Its own service: the sandbox clock closes auctions.</summary>
public sealed class BoostClockTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task Seven_days_on_the_sandbox_clock_close_the_auction_and_a_bid_then_charges_nothing()
    {
        await Http.PostJob("bc-job");
        await Http.OpenWallet("bc-1");
        await Http.OpenWallet("bc-2");
        await Http.PostJson("/v1/jobs/bc-job/proposals", """{"freelancerId":"bc-1","expectedConnects":16,"boostBid":5}""").Expect(HttpStatusCode.Created);
        var job = await Http.GetAsync("/v1/jobs/bc-job").Expect(HttpStatusCode.OK);
        var posted = job.GetProperty("postedAt").GetDateTimeOffset();
        Assert.Equal(posted.AddDays(7), job.GetProperty("auction").GetProperty("closesAt").GetDateTimeOffset());

        await Http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P7DT1M"}""").Expect(HttpStatusCode.OK);
        Assert.False((await Http.GetAsync("/v1/jobs/bc-job").Expect(HttpStatusCode.OK)).GetProperty("auction").GetProperty("open").GetBoolean());
        var before = (await Http.Wallet("bc-1")).Int("balance");
        await Http.PutJson("/v1/jobs/bc-job/proposals/bc-1/boost", """{"bid":9}""").ExpectProblem(HttpStatusCode.Conflict, "auction-closed");
        Assert.Equal(before, (await Http.Wallet("bc-1")).Int("balance"));
        // A new proposal with a bid is refused whole; without one it is taken.
        await Http.PostJson("/v1/jobs/bc-job/proposals", """{"freelancerId":"bc-2","expectedConnects":16,"boostBid":5}""").ExpectProblem(HttpStatusCode.Conflict, "auction-closed");
        Assert.Equal(70, (await Http.Wallet("bc-2")).Int("balance"));
        await Http.PostJson("/v1/jobs/bc-job/proposals", """{"freelancerId":"bc-2","expectedConnects":16}""").Expect(HttpStatusCode.Created);
    }
}
