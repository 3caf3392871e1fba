using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Api;

/// <summary>
/// Every write route against a battery of bad inputs, generated from the route's fields: malformed JSON,
/// wrong types, missing fields, zero/negative/overflowing numbers, ids of bad shape, unknown enum values,
/// unknown fields, oversized bodies, wrong content type. Each must be a 400 (413, 415) problem naming the
/// field, and the wallet and job the route would touch must be exactly as before.
/// </summary>
public sealed class ValidationMatrixTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private enum Kind { Id, Reference, Category, Int, Decimal, Enum, Text, Instant }

    private sealed record Field(string Name, Kind Kind, bool Required = true);

    private sealed record Route(string Method, string Path, string ValidBody, Field[] Fields);

    private static readonly Route[] Routes =
    [
        new("POST", "/v1/freelancers/vm-ann/wallet", """{"plan":"basic"}""", [new("plan", Kind.Enum)]),
        new("PUT", "/v1/freelancers/vm-ann/membership", """{"plan":"plus"}""", [new("plan", Kind.Enum)]),
        new("POST", "/v1/freelancers/vm-ann/purchases", """{"bundle":10,"paymentReference":"vm-ref"}""",
            [new("bundle", Kind.Int), new("paymentReference", Kind.Reference)]),
        new("PUT", "/v1/jobs/vm-job", """{"clientId":"vm-client","budgetUsd":900,"budgetType":"fixed","duration":"1-4-weeks","category":"vm"}""",
            [new("clientId", Kind.Id), new("budgetUsd", Kind.Decimal), new("budgetType", Kind.Enum), new("duration", Kind.Enum), new("category", Kind.Category)]),
        new("POST", "/v1/jobs/vm-job/proposals", """{"freelancerId":"vm-ann","expectedConnects":16,"boostBid":3}""",
            [new("freelancerId", Kind.Id), new("expectedConnects", Kind.Int), new("boostBid", Kind.Int, Required: false)]),
        new("POST", "/v1/jobs/vm-job/hire", """{"freelancerId":"vm-ann"}""", [new("freelancerId", Kind.Id)]),
        new("POST", "/v1/jobs/vm-job/cancel", """{"reason":"client-cancelled"}""", [new("reason", Kind.Enum)]),
        new("POST", "/v1/admin/freelancers/vm-ann/grants", """{"grantId":"vm-grant","amount":5,"reason":"goodwill","expiresAt":"2099-01-01T00:00:00Z"}""",
            [new("grantId", Kind.Reference), new("amount", Kind.Int), new("reason", Kind.Text), new("expiresAt", Kind.Instant, Required: false)]),
        new("POST", "/v1/sandbox/clock", """{"advanceBy":"P1D"}""", [new("advanceBy", Kind.Text)]),
        new("PUT", "/v1/jobs/vm-job/proposals/vm-ann/boost", """{"bid":3}""", [new("bid", Kind.Int)]),
        new("POST", "/v1/jobs/vm-job/invitations", """{"freelancerId":"vm-ann"}""", [new("freelancerId", Kind.Id)]),
    ];

    public static TheoryData<int> RouteIndexes() => new(Enumerable.Range(0, Routes.Length));

    private static IEnumerable<JsonNode?> BadValues(Kind kind) => kind switch
    {
        Kind.Id => ["", "has space", new string('a', 65), "ünïcode", "semi;colon", 42, true, new JsonArray(), new JsonObject()],
        Kind.Reference => ["", "has space", new string('r', 129), "quote\"d", 7, false, new JsonObject()],
        Kind.Category => ["", "Upper", "-leading", new string('c', 65), 3, new JsonArray()],
        Kind.Int => [0, -1, -2147483648, 2147483648L, 1e30, 1.5, "10", true, new JsonArray(), new JsonObject()],
        Kind.Decimal => [0, -1, -0.01, 1e30, "900", false, new JsonObject()],
        Kind.Enum => ["", "unknown-value", "BASIC", 0, 1, true, new JsonArray()],
        Kind.Text => ["", new string('t', 201), 12, true, new JsonObject()],
        _ => ["yesterday", "2001-01-01T00:00:00Z", 20990101, true],
    };

    private static IEnumerable<(string Description, string Body, string ContentType, HttpStatusCode Status, string Field)> BadInputs(Route route)
    {
        const string json = "application/json";
        yield return ("malformed JSON", "{", json, HttpStatusCode.BadRequest, "body");
        yield return ("malformed JSON", """{"x":}""", json, HttpStatusCode.BadRequest, "x");
        yield return ("an array", "[1,2]", json, HttpStatusCode.BadRequest, "body");
        yield return ("a string", "\"text\"", json, HttpStatusCode.BadRequest, "body");
        yield return ("an empty object", "{}", json, HttpStatusCode.BadRequest, route.Fields.First(f => f.Required).Name);
        var valid = JsonNode.Parse(route.ValidBody)!.AsObject();
        var unknown = valid.DeepClone().AsObject();
        unknown["surprise"] = 1;
        yield return ("an unknown field", unknown.ToJsonString(), json, HttpStatusCode.BadRequest, "surprise");
        foreach (var field in route.Fields)
        {
            // The property twice, the first value valid (what a gateway reading the first one would see): refused, not "last wins".
            if (valid[field.Name] is { } first)
                yield return ($"{field.Name} twice", "{" + JsonSerializer.Serialize(field.Name) + ":" + first.ToJsonString() + "," + route.ValidBody.TrimStart()[1..],
                    json, HttpStatusCode.BadRequest, field.Name);
            if (field.Required)
            {
                var missing = valid.DeepClone().AsObject();
                missing.Remove(field.Name);
                yield return ($"{field.Name} missing", missing.ToJsonString(), json, HttpStatusCode.BadRequest, field.Name);
                var nulled = valid.DeepClone().AsObject();
                nulled[field.Name] = null;
                yield return ($"{field.Name} null", nulled.ToJsonString(), json, HttpStatusCode.BadRequest, field.Name);
            }
            foreach (var bad in BadValues(field.Kind))
            {
                var body = valid.DeepClone().AsObject();
                body[field.Name] = bad?.DeepClone();
                yield return ($"{field.Name} = {bad?.ToJsonString()}", body.ToJsonString(), json, HttpStatusCode.BadRequest, field.Name);
            }
        }
        var huge = valid.DeepClone().AsObject();
        huge[route.Fields[0].Name] = new string('x', 40_000);
        yield return ("an oversized body", huge.ToJsonString(), json, HttpStatusCode.RequestEntityTooLarge, "");
        yield return ("text/plain", route.ValidBody, "text/plain", HttpStatusCode.UnsupportedMediaType, "");
    }

    /// <summary>What the route could change: the wallet, its history, the job.</summary>
    private async Task<string> Snapshot()
    {
        var parts = new StringBuilder();
        foreach (var path in new[] { "/v1/freelancers/vm-ann/wallet", "/v1/freelancers/vm-ann/history?days=90&limit=500", "/v1/jobs/vm-job", "/v1/sandbox/clock" })
        {
            var response = await api.Client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (path.Contains("clock", StringComparison.Ordinal)) body = JsonDocument.Parse(body).RootElement.GetProperty("offset").GetString()!;
            else if (response.StatusCode == HttpStatusCode.OK && path.Contains("history", StringComparison.Ordinal))
                body = JsonDocument.Parse(body).RootElement.GetProperty("entries").ToString();
            else if (response.StatusCode == HttpStatusCode.OK && path.Contains("wallet", StringComparison.Ordinal))
            {
                var w = JsonDocument.Parse(body).RootElement;
                body = $"{w.GetProperty("plan")}/{w.GetProperty("nextPlan")}/{w.GetProperty("balance")}/{w.GetProperty("held")}";
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                var j = JsonDocument.Parse(body).RootElement;
                body = $"{j.GetProperty("status")}/{j.GetProperty("budgetUsd")}/{j.GetProperty("proposalCount")}/{j.GetProperty("hiredFreelancerId")}";
            }
            parts.Append((int)response.StatusCode).Append(' ').Append(body).Append('\n');
        }
        return parts.ToString();
    }

    [Theory]
    [MemberData(nameof(RouteIndexes))]
    public async Task Every_bad_input_is_a_problem_naming_the_field_and_changes_nothing(int index)
    {
        var route = Routes[index];
        if (index >= 4) // routes that need a wallet and a job to reach their rules
        {
            await api.Client.PostJson("/v1/freelancers/vm-ann/wallet", """{"plan":"basic"}""");
            await api.Client.PutJson("/v1/jobs/vm-job", """{"clientId":"vm-client","budgetUsd":900,"budgetType":"fixed","duration":"1-4-weeks","category":"vm"}""");
        }
        var failures = new List<string>();
        var tried = 0;
        foreach (var (description, body, contentType, status, field) in BadInputs(route))
        {
            tried++;
            var before = await Snapshot();
            var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            var response = await api.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var after = await Snapshot();
            if (response.StatusCode != status) failures.Add($"{description}: {(int)response.StatusCode} {text}");
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") failures.Add($"{description}: not a problem: {text}");
            else if (field.Length > 0 && !(JsonDocument.Parse(text).RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _)))
                failures.Add($"{description}: the problem does not name '{field}': {text}");
            if (before != after) failures.Add($"{description}: changed state\n{before}->\n{after}");
        }
        output.WriteLine($"{route.Method} {route.Path}: {tried} bad inputs");
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "connects-validation-report.txt"), $"{route.Method} {route.Path}\t{tried}\n");
        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} bad inputs to {route.Method} {route.Path} were mishandled:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task A_purchase_naming_its_bundle_twice_is_refused_not_bought_at_the_last_value()
    {
        await api.Client.OpenWallet("vm-dup", "basic");
        var problem = await api.Client.PostJson("/v1/freelancers/vm-dup/purchases", """{"bundle":10,"bundle":80,"paymentReference":"dup-1"}""")
            .ExpectProblem(HttpStatusCode.BadRequest, "validation", "bundle");
        Assert.Contains("more than once", problem.GetProperty("detail").GetString());
        Assert.Equal(10, (await api.Client.Wallet("vm-dup")).Int("balance"));
        // Nothing was recorded under the reference: the same reference, sent properly, buys once.
        await api.Client.PostJson("/v1/freelancers/vm-dup/purchases", """{"bundle":80,"paymentReference":"dup-1"}""").Expect(HttpStatusCode.Created);
        Assert.Equal(90, (await api.Client.Wallet("vm-dup")).Int("balance"));
    }

    [Theory]
    [InlineData("GET", "/v1/freelancers/{0}/wallet", "freelancerId")]
    [InlineData("GET", "/v1/freelancers/{0}/history", "freelancerId")]
    [InlineData("GET", "/v1/freelancers/{0}/events", "freelancerId")]
    [InlineData("GET", "/v1/jobs/{0}", "jobId")]
    [InlineData("DELETE", "/v1/jobs/vm-job/proposals/{0}", "freelancerId")]
    [InlineData("POST", "/v1/jobs/vm-job/proposals/{0}/decline", "freelancerId")]
    [InlineData("DELETE", "/v1/jobs/{0}/proposals/vm-ann", "jobId")]
    public async Task Route_ids_of_bad_shape_are_400_naming_them(string method, string template, string field)
    {
        foreach (var id in new[] { "has.dot", "a%20b", new string('x', 65), "%C3%BC", "semi%3Bcolon" })
        {
            var response = await api.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id)));
            await Task.FromResult(response).ExpectProblem(HttpStatusCode.BadRequest, "validation", field);
        }
    }
}
