using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>Its own service: moving the sandbox clock moves time for every wallet of that service.</summary>
public sealed class SandboxClockTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task Advancing_the_sandbox_clock_a_month_shows_the_refresh_and_rollover()
    {
        await Http.OpenWallet("s-plus", "plus");
        await Http.OpenWallet("s-basic", "basic");
        var before = await Http.GetAsync("/v1/sandbox/clock").Expect(HttpStatusCode.OK);

        var moved = await Http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P31D"}""").Expect(HttpStatusCode.OK);
        Assert.Equal("P31D", moved.GetProperty("offset").GetString());
        Assert.True(moved.GetProperty("now").GetDateTimeOffset() - before.GetProperty("now").GetDateTimeOffset() >= TimeSpan.FromDays(31));

        var plus = await Http.Wallet("s-plus");
        Assert.Equal((140, 1), (plus.Int("balance"), plus.Int("cycle")));
        Assert.Contains(plus.GetProperty("buckets").EnumerateArray(), b => b.GetProperty("source").GetString() == "rollover" && b.Int("amount") == 70);
        var basic = await Http.Wallet("s-basic");
        Assert.Equal(10, basic.Int("balance"));
        var history = await Http.GetAsync("/v1/freelancers/s-basic/history?days=90").Expect(HttpStatusCode.OK);
        Assert.Equal(["monthly-refresh", "forfeit", "opened"], history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));

        await Http.PostJson("/v1/sandbox/clock", """{"advanceBy":"soon"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "advanceBy");
        await Http.PostJson("/v1/sandbox/clock", """{"advanceBy":"-P1D"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "advanceBy");
        Assert.Equal("P31D", (await Http.GetAsync("/v1/sandbox/clock").Expect(HttpStatusCode.OK)).GetProperty("offset").GetString());
    }
}
