using System.Security.Claims;
using System.Threading.RateLimiting;
using Connects.Silo;
using Microsoft.AspNetCore.Authorization;

namespace Connects.Api;

/// <summary>
/// Who may do what on the API. Authentication (JWT bearer, or Development's stand-in) is shared with the silos:
/// see <see cref="ConnectsAuthentication"/>. Roles: <c>marketplace</c> (the web tier: every wallet and job
/// operation), <c>freelancer</c> (a token whose subject is the freelancer id: its own wallet and history, read
/// only), <c>admin</c> (all of that plus grants, the sandbox clock, the audit, metrics and the dashboard).
/// </summary>
public static class Security
{
    public const string Marketplace = ConnectsAuthentication.Marketplace;
    public const string Freelancer = "freelancer";
    public const string Admin = ConnectsAuthentication.Admin;
    public const string WalletReader = "wallet-reader";
    public const string Writes = "writes";

    /// <summary>The roles a token needs to pass each policy (stated per operation in the API reference).</summary>
    public static IReadOnlyList<string> RolesOf(string policy) => policy switch
    {
        Marketplace => [Marketplace, Admin],
        WalletReader => [Marketplace, Admin, Freelancer],
        Admin => [Admin],
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "Not a policy of this API."),
    };

    public static WebApplicationBuilder AddConnectsSecurity(this WebApplicationBuilder builder)
    {
        builder.AddConnectsAuthentication("API")
            .AddPolicy(Marketplace, p => p.RequireRole(RolesOf(Marketplace)))
            .AddPolicy(WalletReader, p => p.AddRequirements(new OwnWalletRequirement()));
        builder.Services.AddSingleton<IAuthorizationHandler, OwnWalletHandler>();

        var limits = Silo.ConnectsHosting.Bind<ApiLimits>(builder.Configuration, ApiLimits.Section);
        builder.Services.AddSingleton(limits);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Writes, http => RateLimitPartition.GetTokenBucketLimiter(CallerOf(http), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.WriteBurst,
                TokensPerPeriod = limits.WritesPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = Problems.Make(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many writes.",
                        $"This caller may make {limits.WritesPerSecond} writes a second (bursts of {limits.WriteBurst}); retry after {retryAfter} s."),
                });
            };
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes);
        return builder;
    }

    /// <summary>The caller a rate limit counts against: the token's subject, else the client address.</summary>
    public static string CallerOf(HttpContext http) =>
        http.User.FindFirstValue("sub") is { Length: > 0 } subject ? "sub:" + subject : "ip:" + http.Connection.RemoteIpAddress;

    /// <summary>A freelancer token may read only its own wallet and history; the marketplace and admins any.</summary>
    private sealed class OwnWalletRequirement : IAuthorizationRequirement;

    private sealed class OwnWalletHandler : AuthorizationHandler<OwnWalletRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnWalletRequirement requirement)
        {
            var user = context.User;
            var route = (context.Resource as HttpContext)?.Request.RouteValues["freelancerId"] as string;
            if (user.IsInRole(Marketplace) || user.IsInRole(Admin)
                || (user.IsInRole(Freelancer) && route is not null && user.FindFirstValue("sub") == route))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Abuse limits. Section <c>Connects:Limits</c>.</summary>
public sealed class ApiLimits
{
    public const string Section = "Connects:Limits";

    /// <summary>Writes a caller may make per second, sustained (token bucket per token subject or address). Only
    /// marketplace and admin tokens can write at all, so this bounds a service credential: sized for the web tier at a
    /// hiring spike, low enough that a leaked or runaway one cannot flood the cluster.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)] public int WritesPerSecond { get; set; } = 2000;

    /// <summary>Writes a caller may make in a burst.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)] public int WriteBurst { get; set; } = 4000;

    /// <summary>The largest request body accepted (413 above it).</summary>
    [System.ComponentModel.DataAnnotations.Range(256, 10_000_000)] public long MaxRequestBodyBytes { get; set; } = 16 * 1024;
}
