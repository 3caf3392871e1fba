using System.Text.Json.Serialization;
using Connects.Api;
using Connects.Api.Endpoints;
using Connects.Silo;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

// The embedded default: this process co-hosts the silo (SQLite file, no setup).
builder.AddConnectsSilo();

builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context => Problems.Normalize(context.ProblemDetails));
builder.Services.AddExceptionHandler<ErrorHandling>();
builder.Services.AddValidation();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
});
builder.Services.AddOpenApi();
builder.Services.AddConnectsHealthChecks();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapConnectsHealth();

var v1 = app.MapGroup("/v1").AddEndpointFilter<RouteIds>();
v1.MapWallets();
v1.MapJobs();
v1.MapAdmin();
if (app.Services.GetRequiredService<SandboxSettings>().Enabled) v1.MapSandbox();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
