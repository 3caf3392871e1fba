using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Connects.Tests.Support;

public static class Http
{
    public static Task<HttpResponseMessage> PostJson(this HttpClient http, string url, string json) =>
        http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PutJson(this HttpClient http, string url, string json) =>
        http.PutAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Expect(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A problem details body: its type ends with the rule, and (for 400) it names the field.</summary>
    public static async Task<JsonElement> ExpectProblem(this Task<HttpResponseMessage> call, HttpStatusCode status, string rule, string? field = null)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.EndsWith(rule, problem.GetProperty("type").GetString());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors), body);
            Assert.True(errors.TryGetProperty(field, out _), $"Expected the problem to name '{field}': {body}");
        }
        return problem;
    }

    public static Task<JsonElement> OpenWallet(this HttpClient http, string id, string plan = "plus") =>
        http.PostJson($"/v1/freelancers/{id}/wallet", $$"""{"plan":"{{plan}}"}""").Expect(HttpStatusCode.Created);

    public static Task<JsonElement> Wallet(this HttpClient http, string id) =>
        http.GetAsync($"/v1/freelancers/{id}/wallet").Expect(HttpStatusCode.OK);

    public static Task<JsonElement> PostJob(this HttpClient http, string jobId, decimal budget = 100, string duration = "1-4-weeks", string? category = null) =>
        http.PutJson($"/v1/jobs/{jobId}",
            $$"""{"clientId":"client-1","budgetUsd":{{budget}},"budgetType":"fixed","duration":"{{duration}}","category":"{{category ?? "cat-" + jobId.ToLowerInvariant()}}"}""")
            .Expect(HttpStatusCode.Created);

    public static int Int(this JsonElement e, string name) => e.GetProperty(name).GetInt32();
}
