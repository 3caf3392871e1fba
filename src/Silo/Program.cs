using Connects.Silo;
using Microsoft.Extensions.Logging.Abstractions;

var builder = WebApplication.CreateBuilder(args);

if (args.FirstOrDefault() == "migrate")
{
    // `dotnet run --project src/Silo -- migrate`: apply the schema and exit.
    var storage = ConnectsHosting.Bind<StorageSettings>(builder.Configuration, StorageSettings.Section);
    var applied = new DatabaseMigrator(storage, NullLogger<DatabaseMigrator>.Instance).Migrate();
    Console.WriteLine($"{storage.SqlitePath}: {applied.Count} migration(s) applied, schema up to date.");
    return;
}

builder.AddConnectsSilo();
builder.Services.AddConnectsHealthChecks();

var app = builder.Build();
app.MapConnectsHealth();
app.Run();
