using System.Text.Json.Serialization;
using Connects.Api;
using Connects.Api.Endpoints;
using Connects.Api.Wire;
using Connects.Silo;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(ConnectsHosting.HostOptions(args));

// The embedded default co-hosts the silo (SQLite file, no setup); in a cluster the API is a client.
var cluster = ConnectsHosting.Bind<ApiClusterSettings>(builder.Configuration, ApiClusterSettings.Section);
builder.Services.AddSingleton(cluster);
if (cluster.IsClient)
{
    builder.AddConnectsClient();
    builder.Services.TryAddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<SiloDeathWatch>();
    builder.Services.AddSingleton<ISiloDeaths>(sp => sp.GetRequiredService<SiloDeathWatch>());
    builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloDeathWatch>());
}
else
{
    builder.AddConnectsSilo();
}

builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context => Problems.Normalize(context.ProblemDetails));
builder.Services.AddExceptionHandler<ErrorHandling>();
builder.Services.AddValidation();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    // {"bundle":10,"bundle":80} is refused (400 naming the property), so a gateway that reads the first value and the
    // service can never disagree about what was asked.
    o.SerializerOptions.AllowDuplicateProperties = false;
    // Enums go out and come in as their names only (the wire enums of Connects.Api.Wire).
    o.SerializerOptions.AddWireEnums();
});
builder.Services.AddConnectsOpenApi();
builder.AddConnectsSecurity();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<BodySizeLimit>();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
if (app.Environment.IsDevelopment())
{
    // The API description and its browsable reference are for developers; outside Development nothing but health is anonymous.
    app.MapOpenApi();
    app.MapScalarApiReference();
}
app.MapConnectsHealth();
app.MapConnectsObservability(endpoints => endpoints.RequireAuthorization(Security.Admin));

var v1 = app.MapGroup("/v1").AddEndpointFilter<RouteIds>().AddEndpointFilter<ClusterRetry>().DocumentsRefusals();
v1.MapWallets();
v1.MapJobs();
v1.MapAdmin();
v1.MapWebhooks();
// Not behind ClusterRetry: an advance is not idempotent, so it is never repeated on the caller's behalf.
if (app.Services.GetRequiredService<SandboxSettings>().Enabled) app.MapGroup("/v1").MapSandbox();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
