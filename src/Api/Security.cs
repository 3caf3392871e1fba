using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Connects.Api;

/// <summary>
/// Who may do what. Callers present JWT bearer tokens (ASP.NET Core's JwtBearer handler, configured
/// under <c>Authentication:Schemes:Bearer</c>: issuer, audiences, signing keys or an authority).
/// Roles: <c>marketplace</c> (the web tier: every wallet and job operation), <c>freelancer</c> (a token
/// whose subject is the freelancer id: its own wallet and history, read only), <c>admin</c> (all of
/// that plus grants, the sandbox clock and the audit). Outside Development the API refuses to start
/// without bearer configuration; in Development without it, every caller is a local developer with
/// every role, so the quick start needs no token.
/// </summary>
public static class Security
{
    public const string Marketplace = "marketplace";
    public const string Freelancer = "freelancer";
    public const string Admin = "admin";
    public const string WalletReader = "wallet-reader";
    public const string Writes = "writes";
    private const string BearerSection = "Authentication:Schemes:Bearer";
    private const string DevelopmentScheme = "Development";

    public static bool BearerConfigured(IConfiguration configuration) =>
        configuration.GetSection(BearerSection).GetChildren().Any(c => c.Key is "Authority" or "SigningKeys" or "ValidIssuer" or "MetadataAddress");

    public static WebApplicationBuilder AddConnectsSecurity(this WebApplicationBuilder builder)
    {
        var bearer = BearerConfigured(builder.Configuration);
        if (!bearer && !builder.Environment.IsDevelopment())
            throw new InvalidOperationException(
                $"Authentication is not configured: set {BearerSection} (ValidIssuer, ValidAudiences and SigningKeys, or Authority). " +
                "Only the Development environment runs without it.");

        var authentication = builder.Services.AddAuthentication(bearer ? JwtBearerDefaults.AuthenticationScheme : DevelopmentScheme);
        if (bearer)
        {
            authentication.AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "sub";
                options.TokenValidationParameters.RoleClaimType = "role";
            });
        }
        else
        {
            authentication.AddScheme<AuthenticationSchemeOptions, DevelopmentAuthentication>(DevelopmentScheme, null);
        }

        builder.Services.AddSingleton<IAuthorizationHandler, OwnWalletHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Marketplace, p => p.RequireRole(Marketplace, Admin))
            .AddPolicy(Admin, p => p.RequireRole(Admin))
            .AddPolicy(WalletReader, p => p.AddRequirements(new OwnWalletRequirement()));

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

    /// <summary>Development without bearer configuration: every caller is a local developer with every role.</summary>
    private sealed class DevelopmentAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var identity = new ClaimsIdentity(
                [new Claim("sub", "developer"), new Claim("role", Marketplace), new Claim("role", Admin)],
                DevelopmentScheme, "sub", "role");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), DevelopmentScheme)));
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
