using System.Globalization;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using Connects.Contracts;
using Connects.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;

namespace Connects.Api.Endpoints;

public static class WalletEndpoints
{
    private const string Csv = "text/csv";
    public const int MaxHistoryLimit = 500;
    public const int MaxEventsLimit = 500;
    public const int DefaultEventsLimit = 100;

    public static RouteGroupBuilder MapWallets(this RouteGroupBuilder v1)
    {
        var wallets = v1.MapGroup("/freelancers/{freelancerId}").WithTags("Wallets");

        wallets.MapPost("/wallet", async Task<Results<Created<WalletResponse>, Ok<WalletResponse>>> (string freelancerId, OpenWalletRequest body, IGrainFactory grains) =>
        {
            var opened = await grains.Wallet(freelancerId).Open(body.Plan!.Value.ToDomain());
            var response = WalletResponse.From(opened.Wallet);
            return opened.Created
                ? TypedResults.Created($"/v1/freelancers/{freelancerId}/wallet", response)
                : TypedResults.Ok(response);
        }).WithName("openWallet").WithSummary("Open a wallet (idempotent)").RequireAuthorization(Security.Marketplace).RequireRateLimiting(Security.Writes);

        wallets.MapGet("/wallet", async Task<Results<Ok<WalletResponse>, ProblemHttpResult>> (string freelancerId, IGrainFactory grains) =>
            await grains.Wallet(freelancerId).GetWallet() is { } wallet
                ? TypedResults.Ok(WalletResponse.From(wallet))
                : Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet."))
            .WithName("getWallet").WithSummary("Balance, buckets and next refresh as of now").Refuses(StatusCodes.Status404NotFound).RequireAuthorization(Security.WalletReader);

        wallets.MapPut("/membership", async (string freelancerId, ChangePlanRequest body, IGrainFactory grains) =>
            TypedResults.Ok(WalletResponse.From(await grains.Wallet(freelancerId).ChangePlan(body.Plan!.Value.ToDomain()))))
            .WithName("changePlan").WithSummary("Upgrade (at once) or downgrade (next cycle)").Refuses(StatusCodes.Status404NotFound).RequireAuthorization(Security.Marketplace).RequireRateLimiting(Security.Writes);

        wallets.MapPost("/purchases", async Task<Results<Created<PurchaseResponse>, Ok<PurchaseResponse>>> (string freelancerId, PurchaseRequest body, IGrainFactory grains) =>
        {
            var result = await grains.Wallet(freelancerId).Purchase(body.PaymentReference!, body.Bundle!.Value);
            var response = PurchaseResponse.From(result.Receipt);
            return result.Created
                ? TypedResults.Created($"/v1/freelancers/{freelancerId}/history", response)
                : TypedResults.Ok(response);
        }).WithName("purchaseBundle").WithSummary("Buy a bundle, once per payment reference")
          .Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireAuthorization(Security.Marketplace).RequireRateLimiting(Security.Writes);

        wallets.MapGet("/history", History).WithName("getHistory").WithSummary("Ledger entries, newest first; Accept: text/csv for CSV")
            .Produces<HistoryResponse>(StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The same answer as CSV: one metadata per status code is all the endpoint's Produces can say.
                operation.Responses!["200"].Content![Csv] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A header line `sequence,at,kind,amount,balanceAfter,reference,note`, then one line per entry, newest first; `X-Next-Cursor` carries the next page's cursor." },
                };
                return Task.CompletedTask;
            })
            .Refuses(StatusCodes.Status404NotFound).RequireAuthorization(Security.WalletReader);

        wallets.MapGet("/events", Events).WithName("getEvents")
            .WithSummary("The wallet's events (CloudEvents 1.0), oldest first, after a cursor: every ledger change, in sequence")
            .Produces<EventFeedResponse>(StatusCodes.Status200OK)
            .Refuses(StatusCodes.Status404NotFound).RequireAuthorization(Security.WalletReader);
        return v1;
    }

    private static async Task<IResult> Events(string freelancerId, string? after, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 or > MaxEventsLimit)
            return Problems.BadField("limit", $"Must be between 1 and {MaxEventsLimit}.");
        long from = 0;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from < 0))
            return Problems.BadField("after", "Not a cursor this API returned.");
        var events = await grains.Wallet(freelancerId).GetEvents(from, limit ?? DefaultEventsLimit);
        if (events is null) return Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet.");
        var next = events.Count > 0 ? events[^1].Sequence : from;
        return TypedResults.Ok(new EventFeedResponse(freelancerId, [.. events.Select(EventResponse.From)], next.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<IResult> History(
        string freelancerId, [AllowedValues(7, 30, 90, ErrorMessage = "Must be 7, 30 or 90.")] int? days, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor,
        HttpContext http, IGrainFactory grains, [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock)
    {
        if (days is not null && (from is not null || to is not null))
            return Problems.BadField("days", "Give either days or from/to, not both.");
        if (limit is < 1 or > MaxHistoryLimit)
            return Problems.BadField("limit", $"Must be between 1 and {MaxHistoryLimit}.");
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c < 1)
                return Problems.BadField("cursor", "Not a cursor this API returned.");
            before = c;
        }
        var now = clock.GetUtcNow();
        var end = to ?? now;
        var start = from ?? end.AddDays(-(days ?? 30));
        if (start > end) return Problems.BadField("from", "Must not be after to.");

        var page = await grains.Wallet(freelancerId).GetHistory(new HistoryQuery(start, end, limit ?? 50, before));
        if (page is null) return Problems.NotFound(Refusals.WalletNotOpen, $"Freelancer {freelancerId} has no wallet.");
        var entries = page.Entries.Select(HistoryEntry.From).ToList();
        var next = page.NextBefore?.ToString(CultureInfo.InvariantCulture);

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(Csv, StringComparison.OrdinalIgnoreCase)))
        {
            if (next is not null) http.Response.Headers["X-Next-Cursor"] = next;
            return TypedResults.Text(CsvOf(entries), Csv, Encoding.UTF8);
        }
        return TypedResults.Ok(new HistoryResponse(freelancerId, start, end, entries, next));
    }

    private static string CsvOf(IEnumerable<HistoryEntry> entries)
    {
        var csv = new StringBuilder("sequence,at,kind,amount,balanceAfter,reference,note\n");
        foreach (var e in entries)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{e.Sequence},{JsonTimestamp(e.At)},{Wire.WireJson.NameOf(e.Kind)},{e.Amount},{e.BalanceAfter},{Field(e.Reference)},{Field(e.Note)}\n");
        }
        return csv.ToString();
    }

    /// <summary>A timestamp as JSON writes it (the same digits: trailing zeros of the fraction dropped), so the CSV and
    /// the JSON history of one entry agree.</summary>
    private static string JsonTimestamp(DateTimeOffset at) => JsonSerializer.Serialize(at).Trim('"');

    private static string Field(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
}
