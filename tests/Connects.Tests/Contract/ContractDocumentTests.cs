using System.Net;
using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Contract;

/// <summary>/openapi/v1.json passes Redocly's recommended rules and documents every answer of every public operation.</summary>
[Collection(ContractCollection.Name)]
public sealed class ContractDocumentTests(LiveContract live)
{
    private static readonly string[] Refusals = ["400", "401", "403", "503"];

    [Fact]
    public async Task The_document_passes_Redocly_recommended_rules_with_no_error_and_no_warning()
    {
        var output = await ExternalTool.Npx("redocly", "lint", live.DocumentPath, "--config", "redocly.yaml", "--format", "json");
        var report = JsonDocument.Parse(output).RootElement;
        var totals = report.GetProperty("totals");
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, output);
    }

    [Fact]
    public void Only_the_v1_business_routes_are_public()
    {
        var paths = live.Document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/jobs/{jobId}/proposals", paths);
        Assert.All(paths, p => Assert.StartsWith("/v1/", p));
        Assert.DoesNotContain(paths, p => p.StartsWith("/v1/sandbox", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_operation_has_an_id_a_summary_the_bearer_scheme_with_roles_and_its_refusals_as_problems()
    {
        var ids = new HashSet<string>();
        foreach (var (path, method, operation) in Operations())
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            Assert.True(ids.Add(operation.GetProperty("operationId").GetString()!), where);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), where);
            var roles = operation.GetProperty("security")[0].GetProperty("bearer").EnumerateArray().Select(r => r.GetString()).ToList();
            Assert.Contains("admin", roles);
            var responses = operation.GetProperty("responses");
            foreach (var status in Refusals)
            {
                Assert.True(responses.TryGetProperty(status, out var refusal), $"{where} does not document {status}");
                Assert.True(refusal.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{where} {status}");
            }
            Assert.Contains(responses.EnumerateObject(), r => r.Name.StartsWith('2'));
        }
        Assert.Equal(23, ids.Count); // 17 with boosts (#13), plus getEvents and the five webhook routes (#14)
        Assert.Equal("bearer", live.Document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.All(live.Document.GetProperty("tags").EnumerateArray(), t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("description").GetString())));
    }

    [Fact]
    public void Submitting_documents_201_and_200_with_the_proposal_402_and_409_with_their_fields()
    {
        var responses = Operation("/v1/jobs/{jobId}/proposals", "post").GetProperty("responses");
        Assert.Equal("#/components/schemas/ProposalResponse", SchemaRef(responses, "201", "application/json"));
        Assert.Equal("#/components/schemas/ProposalResponse", SchemaRef(responses, "200", "application/json"));
        Assert.Equal("balance,boostBid,boosted,connectsCharged,freelancerId,jobId", string.Join(',', Properties("ProposalResponse")));
        Assert.Equal("balance,boostBid,boosted,connectsCharged,freelancerId,jobId", string.Join(',', Required("ProposalResponse").Order()));
        Assert.Equal("#/components/schemas/InsufficientConnectsProblem", SchemaRef(responses, "402", "application/problem+json"));
        Assert.Superset(new HashSet<string> { "type", "title", "status", "detail", "required", "available", "nextRefreshAt" }, Required("InsufficientConnectsProblem"));
        Assert.Equal("#/components/schemas/ConflictProblem", SchemaRef(responses, "409", "application/problem+json"));
        Assert.Contains("connectsRequired", Properties("ConflictProblem"));
        Assert.Contains("errors", Properties("HttpValidationProblemDetails"));
    }

    [Fact]
    public void Boosts_invitations_and_the_ranked_list_document_their_answers_and_typed_refusals()
    {
        var boost = Operation("/v1/jobs/{jobId}/proposals/{freelancerId}/boost", "put");
        Assert.Equal("boostProposal", boost.GetProperty("operationId").GetString());
        var responses = boost.GetProperty("responses");
        Assert.Equal("#/components/schemas/BoostResponse", SchemaRef(responses, "200", "application/json"));
        Assert.Equal("#/components/schemas/InsufficientConnectsProblem", SchemaRef(responses, "402", "application/problem+json"));
        Assert.Equal("#/components/schemas/ProblemDetails", SchemaRef(responses, "404", "application/problem+json"));
        Assert.Equal("#/components/schemas/ConflictProblem", SchemaRef(responses, "409", "application/problem+json"));
        Assert.Equal("#/components/schemas/ProblemDetails", SchemaRef(responses, "429", "application/problem+json"));
        Assert.Superset(new HashSet<string> { "currentBid", "connectsRequired", "field" }, new HashSet<string>(Properties("ConflictProblem")));
        Assert.Equal("balance,bid,boosted,charged,freelancerId,jobId", string.Join(',', Required("BoostResponse").Order()));
        Assert.Equal("#/components/schemas/ConflictProblem",
            SchemaRef(Operation("/v1/jobs/{jobId}/proposals", "post").GetProperty("responses"), "409", "application/problem+json"));

        var list = Operation("/v1/jobs/{jobId}/proposals", "get");
        Assert.Equal("listProposals", list.GetProperty("operationId").GetString());
        Assert.Equal("#/components/schemas/ProposalListResponse", SchemaRef(list.GetProperty("responses"), "200", "application/json"));
        Assert.True(list.GetProperty("responses").TryGetProperty("404", out _));
        Assert.Equal("boostBid,boosted,freelancerId,status,submittedAt", string.Join(',', Required("RankedProposalResponse").Order()));

        var invite = Operation("/v1/jobs/{jobId}/invitations", "post");
        Assert.Equal("inviteFreelancer", invite.GetProperty("operationId").GetString());
        foreach (var status in new[] { "201", "200" })
            Assert.Equal("#/components/schemas/InvitationResponse", SchemaRef(invite.GetProperty("responses"), status, "application/json"));
        Assert.Equal("#/components/schemas/ConflictProblem", SchemaRef(invite.GetProperty("responses"), "409", "application/problem+json"));
        Assert.Contains("marketplace", invite.GetProperty("security")[0].GetProperty("bearer").EnumerateArray().Select(r => r.GetString()));

        Assert.Contains("auction", Required("JobResponse"));
        Assert.Equal("closesAt,minimumToEnter,open,spots,winningBids", string.Join(',', Required("AuctionResponse").Order()));
    }

    [Fact]
    public void Request_fields_are_required_and_not_nullable_unless_optional_state_their_limits_and_enumerations_say_their_values()
    {
        var schemas = live.Document.GetProperty("components").GetProperty("schemas");
        var grant = schemas.GetProperty("GrantRequest");
        Assert.Equal("amount,grantId,reason", string.Join(',', grant.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order()));
        Assert.Equal("integer", grant.GetProperty("properties").GetProperty("amount").GetProperty("type").GetString());
        Assert.Equal("#/components/schemas/Plan", schemas.GetProperty("OpenWalletRequest").GetProperty("properties").GetProperty("plan").GetProperty("$ref").GetString());
        var purchase = schemas.GetProperty("PurchaseRequest").GetProperty("properties");
        Assert.Equal("^[A-Za-z0-9_.:-]{1,128}$", purchase.GetProperty("paymentReference").GetProperty("pattern").GetString());
        Assert.Equal(1, purchase.GetProperty("bundle").GetProperty("minimum").GetInt32());
        Assert.Equal("basic,plus", string.Join(',', schemas.GetProperty("Plan").GetProperty("enum").EnumerateArray().Select(v => v.GetString())));

        var history = Operation("/v1/freelancers/{freelancerId}/history", "get");
        var days = history.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "days");
        Assert.Equal("7,30,90", string.Join(',', days.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetInt32())));
        var ok = history.GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal("string", ok.GetProperty("text/csv").GetProperty("schema").GetProperty("type").GetString());
        Assert.True(ok.TryGetProperty("application/json", out _));
    }

    [Fact]
    public async Task The_frameworks_own_refusals_have_the_same_shape_as_the_domains()
    {
        var http = live.Http;
        await http.GetAsync("/v1/nothing-here").ExpectProblem(HttpStatusCode.NotFound, "/problems/not-found");
        await http.DeleteAsync("/v1/freelancers/shape/wallet").ExpectProblem(HttpStatusCode.MethodNotAllowed, "/problems/method-not-allowed");
        await http.PostAsync("/v1/freelancers/shape/wallet", new StringContent("plan=basic", System.Text.Encoding.UTF8, "text/plain"))
            .ExpectProblem(HttpStatusCode.UnsupportedMediaType, "/problems/unsupported-media-type");

        // Every 400 has the one title, whether the framework's validation or a rule refused it.
        await http.OpenWallet("shape");
        var missing = await http.PostJson("/v1/freelancers/shape/wallet", "{}").ExpectProblem(HttpStatusCode.BadRequest, "/problems/validation", "plan");
        var rule = await http.PostJson("/v1/freelancers/shape/purchases", """{"bundle":30,"paymentReference":"p-1"}""").ExpectProblem(HttpStatusCode.BadRequest, "/problems/invalid-bundle", "bundle");
        Assert.Equal(rule.GetProperty("title").GetString(), missing.GetProperty("title").GetString());

        var tokens = new Tokens();
        await using var secured = new ApiFactory(Path.Combine(live.WorkFolder, "secured.db"), tokens.Settings);
        await tokens.Client(secured, null).GetAsync("/v1/jobs/any").ExpectProblem(HttpStatusCode.Unauthorized, "/problems/unauthenticated");
        await tokens.Client(secured, "someone-else", "freelancer").GetAsync("/v1/freelancers/ada/wallet").ExpectProblem(HttpStatusCode.Forbidden, "/problems/forbidden");
    }

    [Fact]
    public async Task A_list_of_enum_names_is_refused_not_read_as_their_sum()
    {
        await live.Http.PostJson("/v1/freelancers/comma/wallet", """{"plan":"basic,plus"}""").ExpectProblem(HttpStatusCode.BadRequest, "/problems/validation", "plan");
        await live.Http.GetAsync("/v1/freelancers/comma/wallet").ExpectProblem(HttpStatusCode.NotFound, "/problems/wallet-not-found");
    }

    [Fact]
    public async Task Csv_timestamps_have_the_digits_of_the_json_ones()
    {
        await live.Http.OpenWallet("csv-ann", "basic");
        await live.Http.PostJson("/v1/freelancers/csv-ann/purchases", """{"bundle":10,"paymentReference":"csv-1"}""").Expect(HttpStatusCode.Created);
        var json = await live.Http.GetAsync("/v1/freelancers/csv-ann/history?days=7").Expect(HttpStatusCode.OK);
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/freelancers/csv-ann/history?days=7");
        request.Headers.Accept.ParseAdd("text/csv");
        var csv = await (await live.Http.SendAsync(request)).Content.ReadAsStringAsync();
        var csvTimes = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')[1]);
        var jsonTimes = json.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("at").GetString()!);
        Assert.Equal(jsonTimes, csvTimes);
    }

    private IEnumerable<(string Path, string Method, JsonElement Operation)> Operations() =>
        from path in live.Document.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        select (path.Name, method.Name, method.Value);

    private JsonElement Operation(string path, string method) => live.Document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private static string? SchemaRef(JsonElement responses, string status, string mediaType) =>
        responses.GetProperty(status).GetProperty("content").GetProperty(mediaType).GetProperty("schema").GetProperty("$ref").GetString();

    private IOrderedEnumerable<string> Properties(string schema) =>
        live.Document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();

    private HashSet<string> Required(string schema) =>
        [.. live.Document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("required").EnumerateArray().Select(r => r.GetString()!)];
}
