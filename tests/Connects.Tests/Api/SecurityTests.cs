using System.Net;
using System.Text;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>A service with bearer authentication configured, as outside Development.</summary>
public sealed class SecuredApiFixture : IAsyncLifetime
{
    private readonly TempDatabase _folder = new(migrate: false);
    public Tokens Tokens { get; } = new();
    public ApiFactory Factory { get; private set; } = null!;

    public Task InitializeAsync()
    {
        var settings = Tokens.Settings;
        settings["Connects:Limits:WritesPerSecond"] = "1000";
        settings["Connects:Limits:WriteBurst"] = "1000";
        Factory = new ApiFactory(Path.Combine(_folder.Folder, "connects.db"), settings, environment: "Production");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        _folder.Dispose();
    }
}

public sealed class SecurityTests(SecuredApiFixture api) : IClassFixture<SecuredApiFixture>
{
    public enum Caller { Anonymous, FreelancerSelf, OtherFreelancer, Marketplace, Admin }

    private enum Policy { Marketplace, WalletReader, Admin }

    private static readonly (string Method, string Path, string? Body, Policy Policy)[] Routes =
    [
        ("POST", "/v1/freelancers/alice/wallet", """{"plan":"plus"}""", Policy.Marketplace),
        ("GET", "/v1/freelancers/alice/wallet", null, Policy.WalletReader),
        ("PUT", "/v1/freelancers/alice/membership", """{"plan":"plus"}""", Policy.Marketplace),
        ("POST", "/v1/freelancers/alice/purchases", """{"bundle":10,"paymentReference":"authz"}""", Policy.Marketplace),
        ("GET", "/v1/freelancers/alice/history", null, Policy.WalletReader),
        ("GET", "/v1/freelancers/alice/events", null, Policy.WalletReader),
        ("PUT", "/v1/jobs/authz-job", """{"clientId":"c","budgetUsd":100,"budgetType":"fixed","duration":"1-4-weeks","category":"authz"}""", Policy.Marketplace),
        ("GET", "/v1/jobs/authz-job", null, Policy.Marketplace),
        ("POST", "/v1/jobs/authz-job/proposals", """{"freelancerId":"alice","expectedConnects":16}""", Policy.Marketplace),
        ("PUT", "/v1/jobs/authz-job/proposals/alice/boost", """{"bid":3}""", Policy.Marketplace),
        ("GET", "/v1/jobs/authz-job/proposals", null, Policy.Marketplace),
        ("POST", "/v1/jobs/authz-job/invitations", """{"freelancerId":"alice"}""", Policy.Marketplace),
        ("POST", "/v1/jobs/authz-job/proposals/alice/decline", null, Policy.Marketplace),
        ("DELETE", "/v1/jobs/authz-job/proposals/alice", null, Policy.Marketplace),
        ("POST", "/v1/jobs/authz-job/hire", """{"freelancerId":"alice"}""", Policy.Marketplace),
        ("POST", "/v1/jobs/authz-job/cancel", """{"reason":"client-cancelled"}""", Policy.Marketplace),
        ("POST", "/v1/admin/freelancers/alice/grants", """{"grantId":"authz","amount":5,"reason":"test"}""", Policy.Admin),
        ("GET", "/v1/admin/audit", null, Policy.Admin),
        ("POST", "/v1/admin/webhooks", """{"url":"https://93.184.215.14/authz","types":["connects.ledger.refunded"]}""", Policy.Admin),
        ("GET", "/v1/admin/webhooks", null, Policy.Admin),
        ("DELETE", "/v1/admin/webhooks/wh_none", null, Policy.Admin),
        ("GET", "/metrics", null, Policy.Admin),
        ("GET", "/dashboard/", null, Policy.Admin),
    ];

    public static TheoryData<int, Caller> Matrix()
    {
        var data = new TheoryData<int, Caller>();
        for (var route = 0; route < Routes.Length; route++)
            foreach (var caller in Enum.GetValues<Caller>()) data.Add(route, caller);
        return data;
    }

    private HttpClient ClientFor(Caller caller) => caller switch
    {
        Caller.Anonymous => api.Tokens.Client(api.Factory, null),
        Caller.FreelancerSelf => api.Tokens.Client(api.Factory, "alice", "freelancer"),
        Caller.OtherFreelancer => api.Tokens.Client(api.Factory, "bob", "freelancer"),
        Caller.Marketplace => api.Tokens.Client(api.Factory, "web-tier", "marketplace"),
        _ => api.Tokens.Client(api.Factory, "ops", "admin"),
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_route_answers_each_caller_as_its_role_allows(int route, Caller caller)
    {
        var (method, path, body, policy) = Routes[route];
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await ClientFor(caller).SendAsync(request);

        var allowed = policy switch
        {
            Policy.Marketplace => caller is Caller.Marketplace or Caller.Admin,
            Policy.WalletReader => caller is Caller.FreelancerSelf or Caller.Marketplace or Caller.Admin,
            _ => caller is Caller.Admin,
        };
        var expected = caller == Caller.Anonymous ? HttpStatusCode.Unauthorized : allowed ? (HttpStatusCode?)null : HttpStatusCode.Forbidden;
        if (expected is { } status) Assert.Equal(status, response.StatusCode);
        else Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
            $"{method} {path} as {caller}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Health_is_the_only_anonymous_route()
    {
        var anonymous = api.Tokens.Client(api.Factory, null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/jobs/anything")).StatusCode);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_or_expired_is_refused()
    {
        var forged = new Tokens().Create("web-tier", "marketplace");
        var client = api.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/jobs/x")).StatusCode);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413_and_change_nothing()
    {
        var marketplace = ClientFor(Caller.Marketplace);
        var huge = $$"""{"plan":"plus","padding":"{{new string('x', 20_000)}}"}""";
        await marketplace.PostJson("/v1/freelancers/big-body/wallet", huge).ExpectProblem(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await marketplace.GetAsync("/v1/freelancers/big-body/wallet").ExpectProblem(HttpStatusCode.NotFound, "wallet-not-found");
    }

    [Fact]
    public async Task In_production_a_webhook_url_must_be_https()
    {
        var admin = ClientFor(Caller.Admin);
        await admin.PostJson("/v1/admin/webhooks", """{"url":"http://93.184.215.14/plain","types":["connects.ledger.spent"]}""")
            .ExpectProblem(HttpStatusCode.BadRequest, "validation", "url");
        var created = await admin.PostJson("/v1/admin/webhooks", """{"url":"https://93.184.215.14/tls","types":["connects.ledger.spent"]}""")
            .Expect(HttpStatusCode.Created);
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString());
        var listed = await admin.GetAsync("/v1/admin/webhooks").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(listed.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("url").GetString()!.StartsWith("http:", StringComparison.Ordinal));
    }

    [Fact]
    public void Outside_development_the_service_refuses_to_start_without_authentication()
    {
        using var folder = new TempDatabase(migrate: false);
        using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"), environment: "Production");
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Authentication is not configured", error.ToString());
    }
}

public sealed class RateLimitTests
{
    [Fact]
    public async Task Writes_beyond_a_callers_limit_are_429_with_retry_after_and_change_nothing()
    {
        using var folder = new TempDatabase(migrate: false);
        var tokens = new Tokens();
        var settings = tokens.Settings;
        settings["Connects:Limits:WritesPerSecond"] = "1";
        settings["Connects:Limits:WriteBurst"] = "3";
        await using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"), settings, environment: "Production");
        var web = tokens.Client(factory, "web-tier", "marketplace");
        var other = tokens.Client(factory, "other-web-tier", "marketplace");

        await web.OpenWallet("limited", "basic");
        // A burst of 20 writes sent at once: the bucket holds 3 and refills 1 a second, so however slowly this machine
        // serves them, most are refused; each refusal is a 429 with Retry-After that changed nothing.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            web.PostJson("/v1/freelancers/limited/purchases", $$"""{"bundle":10,"paymentReference":"rl-{{i}}"}""")));
        var created = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(20, created + refused.Count);
        Assert.True(refused.Count >= 10, $"only {refused.Count} of 20 writes at once were refused");
        foreach (var answer in refused)
        {
            Assert.True(answer.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.EndsWith("rate-limited", (await answer.Json()).GetProperty("type").GetString());
        }

        Assert.Equal(10 + 10 * created, (await web.Wallet("limited")).Int("balance")); // reads are not limited; refused writes changed nothing
        await other.PostJson("/v1/freelancers/limited/purchases", """{"bundle":10,"paymentReference":"rl-other"}""").Expect(HttpStatusCode.Created);
    }
}
