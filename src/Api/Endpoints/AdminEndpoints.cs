using System.Xml;
using Connects.Contracts;
using Connects.Silo;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Connects.Api.Endpoints;

public static class AdminEndpoints
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
            }).WithTags("Admin").WithSummary("Grant Connects, once per grantId").RequireAuthorization(Security.Admin).RequireRateLimiting(Security.Writes);

        v1.MapGet("/admin/audit", async (Auditor auditor, [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock, CancellationToken cancellationToken) =>
                TypedResults.Ok(await auditor.Run(clock.GetUtcNow(), cancellationToken)))
            .WithTags("Admin").WithSummary("Replay every ledger and job: findings (none when clean) and totals").RequireAuthorization(Security.Admin);
        return v1;
    }

    /// <summary>The sandbox clock, only when Connects:Sandbox:Enabled (404 otherwise: the routes do not exist).</summary>
    public static RouteGroupBuilder MapSandbox(this RouteGroupBuilder v1)
    {
        var sandbox = v1.MapGroup("/sandbox").WithTags("Sandbox").RequireAuthorization(Security.Admin);
        sandbox.MapGet("/clock", (SandboxClock clock) => TypedResults.Ok(Describe(clock)))
            .WithSummary("The service's current time and how far it was moved");
        sandbox.MapPost("/clock", IResult (AdvanceClockRequest body, SandboxClock clock) =>
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
            clock.Advance(by);
            return TypedResults.Ok(Describe(clock));
        }).WithSummary("Move the service's time forward (e.g. P31D) to see refreshes, rollovers and expiries").RequireRateLimiting(Security.Writes);
        return v1;
    }

    private static ClockResponse Describe(SandboxClock clock) => new(clock.GetUtcNow(), XmlConvert.ToString(clock.Offset));
}
