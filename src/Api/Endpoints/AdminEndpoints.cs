using System.Security.Claims;
using System.Xml;
using Connects.Contracts;
using Connects.Domain;
using Connects.Silo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Connects.Api.Endpoints;

public static partial class AdminEndpoints
{
    private static readonly TimeSpan MaxAdvance = TimeSpan.FromDays(3660);

    public static RouteGroupBuilder MapAdmin(this RouteGroupBuilder v1)
    {
        v1.MapPost("/admin/freelancers/{freelancerId}/grants",
            async Task<Results<Created<GrantResponse>, Ok<GrantResponse>>> (string freelancerId, GrantRequest body, IGrainFactory grains) =>
            {
                var result = await grains.Wallet(freelancerId).Grant(body.GrantId!, body.Amount!.Value, body.Reason!, body.ExpiresAt);
                var response = new GrantResponse(body.GrantId!, body.Amount.Value, result.Balance);
                return result.Created
                    ? TypedResults.Created($"/v1/freelancers/{freelancerId}/history", response)
                    : TypedResults.Ok(response);
            }).WithName("grantConnects").WithTags("Admin").WithSummary("Grant Connects, once per grantId")
            .Refuses(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).RequireAuthorization(Security.Admin).RequireRateLimiting(Security.Writes);

        v1.MapGet("/admin/audit", async (Auditor auditor, [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock, CancellationToken cancellationToken) =>
                TypedResults.Ok(AuditResponse.From(await auditor.Run(clock.GetUtcNow(), cancellationToken))))
            .WithName("runAudit").WithTags("Admin").WithSummary("Replay every ledger and job: findings (none when clean) and totals").RequireAuthorization(Security.Admin);
        return v1;
    }

    /// <summary>The sandbox clock, only when Connects:Sandbox:Enabled (404 otherwise: the routes do not exist).</summary>
    public static RouteGroupBuilder MapSandbox(this RouteGroupBuilder v1)
    {
        // An operational route (development and tests), not part of the public contract: left out of the OpenAPI document.
        var sandbox = v1.MapGroup("/sandbox").WithTags("Sandbox").RequireAuthorization(Security.Admin).ExcludeFromDescription();
        sandbox.MapGet("/clock", (SandboxClock clock) => TypedResults.Ok(Describe(clock)))
            .WithSummary("The service's current time and how far it was moved");
        sandbox.MapPost("/clock", async Task<IResult> (AdvanceClockRequest body, SandboxClock clock, IGrainFactory grains, ClaimsPrincipal user, ILogger<SandboxClock> logger) =>
        {
            TimeSpan by;
            try
            {
                by = XmlConvert.ToTimeSpan(body.AdvanceBy!);
            }
            catch (FormatException)
            {
                return Problems.BadField("advanceBy", "Must be an ISO 8601 duration such as P31D or PT12H.");
            }
            if (by <= TimeSpan.Zero || by > MaxAdvance)
                return Problems.BadField("advanceBy", "Must move time forward by at most 3660 days.");
            var offset = clock.Advance(by, ConnectsAuthentication.WhoIs(user));
            await EverySiloFollows(offset, grains, clock, logger);
            // Renewal instants the move passed: the cohorts' reminders count real time, so they are told now.
            await Task.WhenAll(RenewalDay.All.Select(day => grains.RenewalCohort(day).Wake()).Append(grains.ExpiryNotices().Wake()));
            return TypedResults.Ok(Describe(clock));
        }).WithSummary("Move the service's time forward (e.g. P31D) to see refreshes, rollovers and expiries; answered once every silo serves the new time")
          .RequireRateLimiting(Security.Writes);
        return v1;
    }

    /// <summary>Tells every active silo to follow the new offset now, so a read right after the answer sees the new
    /// time wherever its grain lives. A silo that cannot be told (one dying this moment) follows by itself within
    /// Connects:Sandbox:RefreshInterval: the answer then waits that long rather than fail an advance already made.</summary>
    private static async Task EverySiloFollows(TimeSpan offset, IGrainFactory grains, SandboxClock clock, ILogger logger)
    {
        try
        {
            await grains.GetGrain<IManagementGrain>(0)
                .SendControlCommandToProvider<SandboxClockControl>(SandboxClockControl.Name, SandboxClockControl.FollowCommand, offset.Ticks);
        }
        catch (Exception ex) when (ClusterRetry.IsTransient(ex) || ex is ArgumentException)
        {
            LogNotEverySiloTold(logger, ex);
            await Task.Delay(clock.RefreshInterval * 2);
        }
    }

    private static ClockResponse Describe(SandboxClock clock) => new(clock.GetUtcNow(), XmlConvert.ToString(clock.Offset));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every silo could be told the sandbox clock moved; waiting for them to re-read it")]
    private static partial void LogNotEverySiloTold(ILogger logger, Exception ex);
}
