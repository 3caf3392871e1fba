using Connects.Grains;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace Connects.Silo;

/// <summary>
/// The one place that wires Orleans for Connects from configuration: rules, clock, storage,
/// reminders and clustering. The silo host calls it; so does the API when it co-hosts the silo
/// (the embedded default: one process, one SQLite file).
/// </summary>
public static class ConnectsHosting
{
    /// <summary>Hosts a Connects silo in this process.</summary>
    public static IHostApplicationBuilder AddConnectsSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var storage = Bind<StorageSettings>(configuration, StorageSettings.Section);
        // A relative database path is relative to the content root (src/Api under `dotnet run`).
        storage.SqlitePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        var silo = Bind<SiloSettings>(configuration, SiloSettings.Section);
        var sandbox = Bind<SandboxSettings>(configuration, SandboxSettings.Section);

        builder.Services.AddConnectsRules(configuration);
        builder.Services.AddSingleton(storage);
        builder.Services.AddSingleton(sandbox);
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<SandboxClockStore>();
        if (storage.MigrateOnStart)
        {
            // Hosted services start in registration order: the schema is in place before Orleans starts.
            builder.Services.AddHostedService<MigrateOnStart>();
        }
        if (sandbox.Enabled)
        {
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(sp => new SandboxClock(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SandboxClockStore>()));
            builder.Services.AddKeyedSingleton<TimeProvider>(ConnectsClock.Key, (sp, _) => sp.GetRequiredService<SandboxClock>());
        }
        else
        {
            builder.Services.TryAddKeyedSingleton(ConnectsClock.Key, TimeProvider.System);
        }

        builder.UseOrleans(siloBuilder =>
        {
            siloBuilder.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            siloBuilder.AddConnectsStorage(storage);
        });
        return builder;
    }

    /// <summary>The domain's rules as validated options (every number of DESIGN.md is a setting).</summary>
    public static IServiceCollection AddConnectsRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WalletRules>().Bind(configuration.GetSection(WalletRules.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PricingRules>().Bind(configuration.GetSection(PricingRules.Section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>Grain state and reminders through Orleans' ADO.NET providers on the project's own schema.</summary>
    public static ISiloBuilder AddConnectsStorage(this ISiloBuilder silo, StorageSettings storage)
    {
        const string invariant = "System.Data.SQLite"; // Orleans' name for Microsoft.Data.Sqlite
        // State is written with Orleans' own serializer: compact, and version tolerant through the [Id]s of the state types.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(ConnectsStorage.Name);
        silo.AddAdoNetGrainStorage(ConnectsStorage.Name, options =>
        {
            options.Invariant = invariant;
            options.ConnectionString = storage.SqliteConnectionString;
        });
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = invariant;
            options.ConnectionString = storage.SqliteConnectionString;
        });
        return silo;
    }

    /// <summary>Binds and validates a settings section now: the host cannot be wired without it.</summary>
    public static T Bind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var settings = configuration.GetSection(section).Get<T>() ?? new T();
        var context = new System.ComponentModel.DataAnnotations.ValidationContext(settings);
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(settings, context, errors, validateAllProperties: true))
            throw new OptionsValidationException(section, typeof(T), errors.Select(e => $"{section}: {e.ErrorMessage}"));
        return settings;
    }

    private sealed class MigrateOnStart(DatabaseMigrator migrator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            migrator.Migrate();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
