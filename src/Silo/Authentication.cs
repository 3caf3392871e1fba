using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Connects.Silo;

/// <summary>
/// Who a caller is, for every host of the service (the API and the silos). Callers present JWT bearer tokens
/// (ASP.NET Core's JwtBearer handler, configured under <c>Authentication:Schemes:Bearer</c>: issuer, audiences,
/// signing keys or an authority); the token's <c>role</c> claims are its roles. Outside Development a host
/// refuses to start without that configuration; in Development without it, every caller is a local developer
/// with every role, so the quick start and the local cluster need no token.
/// </summary>
public static class ConnectsAuthentication
{
    /// <summary>Operators: grants, the sandbox clock, the audit, metrics and the dashboard.</summary>
    public const string Admin = "admin";

    /// <summary>The web tier: every wallet and job operation.</summary>
    public const string Marketplace = "marketplace";

    public const string BearerSection = "Authentication:Schemes:Bearer";
    private const string DevelopmentScheme = "Development";

    public static bool BearerConfigured(IConfiguration configuration) =>
        configuration.GetSection(BearerSection).GetChildren().Any(c => c.Key is "Authority" or "SigningKeys" or "ValidIssuer" or "MetadataAddress");

    /// <summary>Bearer authentication (or Development's stand-in) and the admin policy; returns the builder for more policies.</summary>
    public static AuthorizationBuilder AddConnectsAuthentication(this WebApplicationBuilder builder, string host)
    {
        var bearer = BearerConfigured(builder.Configuration);
        if (!bearer && !builder.Environment.IsDevelopment())
            throw new InvalidOperationException(
                $"Authentication is not configured for the {host}: set {BearerSection} (ValidIssuer, ValidAudiences and SigningKeys, or Authority). " +
                $"Only the Development environment runs without it (this is {builder.Environment.EnvironmentName}).");

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

        return builder.Services.AddAuthorizationBuilder().AddPolicy(Admin, p => p.RequireRole(Admin));
    }

    /// <summary>Who made a request, for logs: the token's subject.</summary>
    public static string WhoIs(ClaimsPrincipal user) => user.FindFirstValue("sub") ?? "(anonymous)";

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
