using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Connects.Contracts;
using Connects.Domain;
using Connects.Silo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Connects.Api.Endpoints;

/// <summary>Webhook endpoints, managed by admins (issue #14): registration, listing, removal, each endpoint's recent
/// delivery attempts and a replay from a time. Delivery itself runs in the silos (WebhookDeliveryGrain).</summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder v1)
    {
        var webhooks = v1.MapGroup("/admin/webhooks").WithTags("Admin").RequireAuthorization(Security.Admin);

        webhooks.MapPost("", Register).WithName("registerWebhook")
            .WithSummary("Register a webhook endpoint for event types; its secret is shown once")
            .Produces<WebhookCreatedResponse>(StatusCodes.Status201Created).RequireRateLimiting(Security.Writes);

        webhooks.MapGet("", async (IGrainFactory grains) =>
                TypedResults.Ok(new WebhookListResponse([.. (await grains.Webhooks().List()).Select(WebhookResponse.From)])))
            .WithName("listWebhooks").WithSummary("The registered webhook endpoints (without their secrets)");

        webhooks.MapDelete("/{webhookId}", async Task<Results<NoContent, ProblemHttpResult>> (string webhookId, IGrainFactory grains) =>
                await grains.Webhooks().Remove(webhookId)
                    ? TypedResults.NoContent()
                    : Problems.NotFound(WebhookNotFound, $"There is no webhook endpoint {webhookId}."))
            .WithName("deleteWebhook").WithSummary("Remove a webhook endpoint")
            .Refuses(StatusCodes.Status404NotFound).RequireRateLimiting(Security.Writes);

        webhooks.MapGet("/{webhookId}/deliveries", Deliveries).WithName("getWebhookDeliveries")
            .WithSummary("An endpoint's recent delivery attempts, newest first: event id, time, status and error")
            .Produces<DeliveryListResponse>(StatusCodes.Status200OK)
            .Refuses(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        webhooks.MapPost("/{webhookId}/replay", Replay).WithName("replayWebhook")
            .WithSummary("Deliver again every event made at or after a time, in order; a disabled endpoint is enabled again")
            .Refuses(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequireRateLimiting(Security.Writes);
        return v1;
    }

    public const string WebhookNotFound = "webhook-not-found";
    public const int DefaultDeliveriesLimit = 50;
    public const int MaxDeliveriesLimit = 200;

    private static async Task<IResult> Deliveries(string webhookId, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 or > MaxDeliveriesLimit) return Problems.BadField("limit", $"Must be between 1 and {MaxDeliveriesLimit}.");
        if (await grains.Webhooks().Find(webhookId) is not { } endpoint)
            return Problems.NotFound(WebhookNotFound, $"There is no webhook endpoint {webhookId}.");
        var report = await grains.WebhookDelivery(webhookId).Report(limit ?? DefaultDeliveriesLimit);
        return TypedResults.Ok(new DeliveryListResponse(webhookId, endpoint.DisabledAt, report?.Silo, [.. (report?.Attempts ?? []).Select(DeliveryAttemptResponse.From)]));
    }

    private static async Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> Replay(string webhookId, ReplayWebhookRequest body, IGrainFactory grains)
    {
        if (await grains.Webhooks().Find(webhookId) is null || !await grains.WebhookDelivery(webhookId).Replay(body.From!.Value))
            return Problems.NotFound(WebhookNotFound, $"There is no webhook endpoint {webhookId}.");
        return TypedResults.Ok(new ReplayResponse(webhookId, body.From.Value));
    }

    private static async Task<IResult> Register(RegisterWebhookRequest body, IGrainFactory grains, IHostEnvironment environment,
        Microsoft.Extensions.Options.IOptions<WebhookSettings> settings, [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var url))
            return Problems.BadField("url", "Must be an absolute http or https URL.");
        var refusal = WebhookUrls.Refusal(url, environment.IsProduction(), settings.Value.AllowedHosts, await Resolve(url, settings.Value.ResolveTimeout, cancellationToken));
        if (refusal is not null) return Problems.BadField("url", refusal);
        if (body.Types!.Count == 0) return Problems.BadField("types", "Must name at least one event type.");
        if (body.Types.FirstOrDefault(t => !EventTypes.All.Contains(t)) is { } unknown)
            return Problems.BadField("types", $"'{unknown}' is not an event type: {string.Join(", ", EventTypes.All)}.");

        var endpoint = new WebhookEndpoint("wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), url.AbsoluteUri,
            [.. body.Types.Distinct()], "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), clock.GetUtcNow());
        await grains.Webhooks().Register(endpoint);
        return TypedResults.Created($"/v1/admin/webhooks/{endpoint.Id}",
            new WebhookCreatedResponse(endpoint.Id, endpoint.Url, endpoint.Types, endpoint.Secret, endpoint.CreatedAt));
    }

    /// <summary>The addresses a URL's host stands for: itself when an IP literal, else what it resolves to (none when it does not).</summary>
    private static async Task<IReadOnlyList<IPAddress>> Resolve(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var literal)) return [literal];
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout);
        try
        {
            return await Dns.GetHostAddressesAsync(url.IdnHost, cancel.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }
}
