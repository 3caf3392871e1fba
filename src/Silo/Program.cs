using Microsoft.Extensions.Logging.Abstractions;

namespace Connects.Silo;

/// <summary>The silo host: <c>dotnet run --project src/Silo</c>, or <c>-- migrate</c> to apply the schema and exit.</summary>
public static class SiloProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        if (args.FirstOrDefault() == "migrate")
        {
            var storage = ConnectsHosting.Bind<StorageSettings>(builder.Configuration, StorageSettings.Section);
            storage.SqlitePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
            var applied = new DatabaseMigrator(storage, NullLogger<DatabaseMigrator>.Instance).Migrate();
            Console.WriteLine($"{storage.Provider}: {applied.Count} migration(s) applied, schema up to date.");
            return;
        }

        // Quiet defaults for a host that has no appsettings.json of its own (configuration overrides them).
        builder.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning);
        builder.AddConnectsSilo();
        var app = builder.Build();
        app.MapConnectsHealth();
        app.MapConnectsObservability();
        app.Run();
    }
}
