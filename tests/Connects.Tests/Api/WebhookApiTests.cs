using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Api;

/// <summary>Webhook endpoints managed by admins: registration with its one-time secret, listing, removal, and the
/// refusals of bad registrations (the SSRF guard included), each a 400 naming the field that changes nothing.</summary>
public sealed class WebhookApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task A_registered_endpoint_gets_an_id_and_a_secret_shown_once_and_can_be_removed()
    {
        var created = await Http.PostJson("/v1/admin/webhooks",
            """{"url":"https://93.184.215.14/connects","types":["connects.ledger.refunded","connects.ledger.spent"]}""").Expect(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal(["connects.ledger.refunded", "connects.ledger.spent"], created.GetProperty("types").EnumerateArray().Select(t => t.GetString()));

        var listed = Assert.Single(await Listed(), w => w.GetProperty("id").GetString() == id);
        Assert.Equal("https://93.184.215.14/connects", listed.GetProperty("url").GetString());
        Assert.False(listed.TryGetProperty("secret", out _), "the secret is shown only at registration");

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/v1/admin/webhooks/{id}")).StatusCode);
        await Http.DeleteAsync($"/v1/admin/webhooks/{id}").ExpectProblem(HttpStatusCode.NotFound, "webhook-not-found");
        Assert.DoesNotContain(await Listed(), w => w.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("""{"types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"not a url","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"/relative/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"ftp://93.184.215.14/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://127.0.0.1:8080/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://localhost/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://[::1]/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://169.254.169.254/latest/meta-data","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://10.1.2.3/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://192.168.0.10/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://172.20.0.1/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://[fd00::1]/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://0.0.0.0/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"http://user:pw@93.184.215.14/hook","types":["connects.ledger.spent"]}""", "url")]
    [InlineData("""{"url":"https://93.184.215.14/hook"}""", "types")]
    [InlineData("""{"url":"https://93.184.215.14/hook","types":[]}""", "types")]
    [InlineData("""{"url":"https://93.184.215.14/hook","types":["connects.ledger.nope"]}""", "types")]
    [InlineData("""{"url":"https://93.184.215.14/hook","types":"connects.ledger.spent"}""", "types")]
    public async Task A_bad_registration_is_400_naming_the_field_and_registers_nothing(string body, string field)
    {
        var before = (await Listed()).Count;
        await Http.PostJson("/v1/admin/webhooks", body).ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
        Assert.Equal(before, (await Listed()).Count);
    }

    [Fact]
    public async Task A_host_on_the_allow_list_may_be_private()
    {
        using var folder = new TempDatabase(migrate: false);
        await using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"),
            new Dictionary<string, string?> { ["Connects:Webhooks:AllowedHosts:0"] = "127.0.0.1" });
        var http = factory.CreateClient();
        await http.PostJson("/v1/admin/webhooks", """{"url":"http://127.0.0.1:9999/hook","types":["connects.wallet.opened"]}""").Expect(HttpStatusCode.Created);
        await http.PostJson("/v1/admin/webhooks", """{"url":"http://localhost:9999/hook","types":["connects.wallet.opened"]}""")
            .ExpectProblem(HttpStatusCode.BadRequest, "validation", "url");
    }

    [Theory]
    [InlineData("Connects:Webhooks:Delivery:RetryWindow", "00:00:10", "RetryWindow")]
    [InlineData("Connects:Webhooks:Delivery:BatchSize", "0", "BatchSize")]
    [InlineData("Connects:Webhooks:Delivery:FirstRetryDelay", "02:00:00", "FirstRetryDelay")]
    public void A_bad_delivery_setting_stops_the_host_naming_it(string key, string value, string named)
    {
        using var folder = new TempDatabase(migrate: false);
        using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"), new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_webhook_setting_stops_the_host_naming_it()
    {
        using var folder = new TempDatabase(migrate: false);
        using var factory = new ApiFactory(Path.Combine(folder.Folder, "connects.db"),
            new Dictionary<string, string?> { ["Connects:Webhooks:ResolveTimeout"] = "00:05:00" });
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("ResolveTimeout", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<List<JsonElement>> Listed() =>
        [.. (await Http.GetAsync("/v1/admin/webhooks").Expect(HttpStatusCode.OK)).GetProperty("webhooks").EnumerateArray()];
}
