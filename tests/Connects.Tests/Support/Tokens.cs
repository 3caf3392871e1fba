using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Connects.Tests.Support;

/// <summary>A bearer-token issuer for tests: its settings configure the API's JwtBearer handler the
/// standard way (Authentication:Schemes:Bearer), and it signs tokens for any subject and roles.</summary>
public sealed class Tokens
{
    private const string Issuer = "connects-tests";
    private const string Audience = "connects";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public Dictionary<string, string?> Settings => new()
    {
        ["Authentication:Schemes:Bearer:ValidIssuer"] = Issuer,
        ["Authentication:Schemes:Bearer:ValidAudiences:0"] = Audience,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = Issuer,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = Convert.ToBase64String(_key),
    };

    /// <summary>The same settings as environment variables, for a host started as a process.</summary>
    public Dictionary<string, string> EnvironmentVariables => Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    public HttpRequestMessage Get(string url, string? subject, params string[] roles)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (subject is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Create(subject, roles));
        return request;
    }

    public string Create(string subject, params string[] roles) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Expires = DateTime.UtcNow.AddHours(1),
        Subject = new ClaimsIdentity([new Claim("sub", subject), .. roles.Select(r => new Claim("role", r))]),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_key), SecurityAlgorithms.HmacSha256),
    });

    public HttpClient Client(ApiFactory factory, string? subject, params string[] roles)
    {
        var client = factory.CreateClient();
        if (subject is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Create(subject, roles));
        return client;
    }
}
