using System.Net;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

public sealed class JobApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    private Task<HttpResponseMessage> Submit(string jobId, string freelancerId, int expected) =>
        Http.PostJson($"/v1/jobs/{jobId}/proposals", $$"""{"freelancerId":"{{freelancerId}}","expectedConnects":{{expected}}}""");

    [Fact]
    public async Task Posting_a_job_shows_its_price_and_components_and_is_idempotent()
    {
        var job = await Http.PostJob("j-post", budget: 1500, duration: "1-3-months");
        Assert.Equal(("open", "j-post"), (job.GetProperty("status").GetString(), job.GetProperty("jobId").GetString()));
        var price = job.GetProperty("price");
        Assert.Equal(job.Int("connectsRequired"), price.Int("connects"));
        Assert.Equal(6, price.Int("durationBase"));
        Assert.Equal(3, price.Int("budgetPoints"));
        Assert.InRange(price.Int("connects"), 2, 16);
        await Http.PutJson("/v1/jobs/j-post", """{"clientId":"client-1","budgetUsd":1500,"budgetType":"fixed","duration":"1-3-months","category":"cat-j-post"}""")
            .Expect(HttpStatusCode.OK);
        var fetched = await Http.GetAsync("/v1/jobs/j-post").Expect(HttpStatusCode.OK);
        Assert.Equal(0, fetched.Int("proposalCount"));
        await Http.PutJson("/v1/jobs/j-post", """{"clientId":"someone-else","budgetUsd":1500,"budgetType":"fixed","duration":"1-3-months","category":"cat-j-post"}""")
            .ExpectProblem(HttpStatusCode.Conflict, "job-conflict");
        await Http.GetAsync("/v1/jobs/j-missing").ExpectProblem(HttpStatusCode.NotFound, "job-not-found");
    }

    [Theory]
    [InlineData("""{"clientId":"c","budgetUsd":0,"budgetType":"fixed","duration":"1-4-weeks","category":"x"}""", "budgetUsd")]
    [InlineData("""{"clientId":"c","budgetUsd":-5,"budgetType":"fixed","duration":"1-4-weeks","category":"x"}""", "budgetUsd")]
    [InlineData("""{"clientId":"c","budgetUsd":1e12,"budgetType":"fixed","duration":"1-4-weeks","category":"x"}""", "budgetUsd")]
    [InlineData("""{"clientId":"c","budgetUsd":10,"budgetType":"weekly","duration":"1-4-weeks","category":"x"}""", "budgetType")]
    [InlineData("""{"clientId":"c","budgetUsd":10,"budgetType":"fixed","duration":"forever","category":"x"}""", "duration")]
    [InlineData("""{"clientId":"c","budgetUsd":10,"budgetType":"fixed","category":"x"}""", "duration")]
    [InlineData("""{"clientId":"bad id","budgetUsd":10,"budgetType":"fixed","duration":"1-4-weeks","category":"x"}""", "clientId")]
    [InlineData("""{"clientId":"c","budgetUsd":10,"budgetType":"fixed","duration":"1-4-weeks","category":"Bad Category"}""", "category")]
    public async Task Bad_jobs_are_400_naming_the_field_and_nothing_is_posted(string body, string field)
    {
        await Http.PutJson("/v1/jobs/j-bad", body).ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
        await Http.GetAsync("/v1/jobs/j-bad").ExpectProblem(HttpStatusCode.NotFound, "job-not-found");
    }

    [Fact]
    public async Task Submitting_charges_once_and_every_refusal_is_a_problem_with_its_rule()
    {
        var job = await Http.PostJob("j-submit", budget: 20_000, duration: "more-than-6-months");
        var price = job.Int("connectsRequired");
        await Http.OpenWallet("j-submit-plus", "plus");
        await Http.OpenWallet("j-submit-basic", "basic");

        var created = await Submit("j-submit", "j-submit-plus", 16).Expect(HttpStatusCode.Created);
        Assert.Equal((price, 70 - price), (created.Int("connectsCharged"), created.Int("balance")));
        var retried = await Submit("j-submit", "j-submit-plus", 16).Expect(HttpStatusCode.OK);
        Assert.Equal(created.ToString(), retried.ToString());

        var poor = await Submit("j-submit", "j-submit-basic", 16).ExpectProblem(HttpStatusCode.PaymentRequired, "insufficient-connects");
        Assert.Equal((price, 10), (poor.Int("required"), poor.Int("available")));
        Assert.True(poor.TryGetProperty("nextRefreshAt", out _));

        var changed = await Submit("j-submit", "j-submit-basic", price - 1).ExpectProblem(HttpStatusCode.Conflict, "price-changed");
        Assert.Equal(price, changed.Int("connectsRequired"));

        await Submit("j-none", "j-submit-plus", 16).ExpectProblem(HttpStatusCode.NotFound, "job-not-found");
        await Submit("j-submit", "j-nobody", 16).ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
        await Submit("j-submit", "j-submit-basic", 0).ExpectProblem(HttpStatusCode.BadRequest, "validation", "expectedConnects");
        await Http.PostJson("/v1/jobs/j-submit/proposals", """{"expectedConnects":5}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "freelancerId");
        Assert.Equal(10, (await Http.Wallet("j-submit-basic")).Int("balance"));
        Assert.Equal(1, (await Http.GetAsync("/v1/jobs/j-submit").Expect(HttpStatusCode.OK)).Int("proposalCount"));
    }

    [Fact]
    public async Task Withdraw_and_hire_refund_nothing_and_a_filled_job_is_not_open()
    {
        await Http.PostJob("j-hire");
        await Http.OpenWallet("j-hire-a");
        await Http.OpenWallet("j-hire-b");
        var a = await Submit("j-hire", "j-hire-a", 16).Expect(HttpStatusCode.Created);
        await Submit("j-hire", "j-hire-b", 16).Expect(HttpStatusCode.Created);

        var withdrawn = await Http.DeleteAsync("/v1/jobs/j-hire/proposals/j-hire-a").Expect(HttpStatusCode.OK);
        Assert.Equal(("withdrawn", false), (withdrawn.GetProperty("status").GetString(), withdrawn.GetProperty("refunded").GetBoolean()));
        Assert.Equal(a.Int("balance"), (await Http.Wallet("j-hire-a")).Int("balance"));
        await Http.DeleteAsync("/v1/jobs/j-hire/proposals/j-nobody").ExpectProblem(HttpStatusCode.NotFound, "proposal-not-found");

        await Http.PostJson("/v1/jobs/j-hire/hire", """{"freelancerId":"j-hire-a"}""").ExpectProblem(HttpStatusCode.Conflict, "proposal-not-active");
        var hired = await Http.PostJson("/v1/jobs/j-hire/hire", """{"freelancerId":"j-hire-b"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(("filled", "j-hire-b"), (hired.GetProperty("status").GetString(), hired.GetProperty("hiredFreelancerId").GetString()));

        await Http.OpenWallet("j-hire-late");
        await Submit("j-hire", "j-hire-late", 16).ExpectProblem(HttpStatusCode.Conflict, "job-not-open");
        await Http.PostJson("/v1/jobs/j-hire/cancel", """{"reason":"client-cancelled"}""").ExpectProblem(HttpStatusCode.Conflict, "job-not-open");
        Assert.Equal(70, (await Http.Wallet("j-hire-late")).Int("balance"));
    }

    [Fact]
    public async Task Cancelling_refunds_every_applicant_not_withdrawn_once()
    {
        var job = await Http.PostJob("j-cancel");
        var price = job.Int("connectsRequired");
        foreach (var f in new[] { "j-cancel-a", "j-cancel-b", "j-cancel-c" })
        {
            await Http.OpenWallet(f);
            await Submit("j-cancel", f, 16).Expect(HttpStatusCode.Created);
        }
        await Http.DeleteAsync("/v1/jobs/j-cancel/proposals/j-cancel-c").Expect(HttpStatusCode.OK);

        var cancelled = await Http.PostJson("/v1/jobs/j-cancel/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(["j-cancel-a", "j-cancel-b"], cancelled.GetProperty("refunds").EnumerateArray().Select(r => r.GetProperty("freelancerId").GetString()).Order());
        Assert.Equal(0, cancelled.Int("refundsPending"));
        await Http.PostJson("/v1/jobs/j-cancel/cancel", """{"reason":"client-cancelled"}""").Expect(HttpStatusCode.OK);

        Assert.Equal(70, (await Http.Wallet("j-cancel-a")).Int("balance"));
        Assert.Equal(70, (await Http.Wallet("j-cancel-b")).Int("balance"));
        Assert.Equal(70 - price, (await Http.Wallet("j-cancel-c")).Int("balance"));
        await Http.PostJson("/v1/jobs/j-cancel/cancel", """{"reason":"because"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "reason");
    }

    [Fact]
    public async Task Grants_apply_once_per_grant_id()
    {
        await Http.OpenWallet("j-grant", "basic");
        var granted = await Http.PostJson("/v1/admin/freelancers/j-grant/grants", """{"grantId":"g-1","amount":25,"reason":"support goodwill"}""").Expect(HttpStatusCode.Created);
        Assert.Equal(35, granted.Int("balance"));
        await Http.PostJson("/v1/admin/freelancers/j-grant/grants", """{"grantId":"g-1","amount":25,"reason":"support goodwill"}""").Expect(HttpStatusCode.OK);
        Assert.Equal(35, (await Http.Wallet("j-grant")).Int("balance"));
        await Http.PostJson("/v1/admin/freelancers/j-grant/grants", """{"grantId":"g-2","amount":0,"reason":"x"}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "amount");
        await Http.PostJson("/v1/admin/freelancers/j-grant/grants", """{"grantId":"g-3","amount":5,"reason":"x","expiresAt":"2001-01-01T00:00:00Z"}""").ExpectProblem(HttpStatusCode.BadRequest, "invalid-expiry", "expiresAt");
        await Http.PostJson("/v1/admin/freelancers/j-grant/grants", """{"grantId":"g-4","amount":5}""").ExpectProblem(HttpStatusCode.BadRequest, "validation", "reason");
        Assert.Equal(35, (await Http.Wallet("j-grant")).Int("balance"));
    }

    [Fact]
    public async Task Health_and_the_openapi_document_answer()
    {
        foreach (var path in new[] { "/health/live", "/health/ready" })
        {
            var health = await Http.GetAsync(path);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), (health.StatusCode, await health.Content.ReadAsStringAsync()));
        }
        var openapi = await Http.GetAsync("/openapi/v1.json").Expect(HttpStatusCode.OK);
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/v1/jobs/{jobId}/proposals", out _));
        var ui = await Http.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }
}
