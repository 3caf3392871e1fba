using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Polly;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;

namespace Connects.Silo;

/// <summary>
/// The one place that wires Orleans for Connects from configuration: rules, clock, storage,
/// reminders and clustering. The silo host calls <see cref="AddConnectsSilo"/>; the API calls it too
/// when it co-hosts the silo (the embedded default) or <see cref="AddConnectsClient"/> when it is a
/// client of a cluster.
/// </summary>
public static class ConnectsHosting
{
    /// <summary>How long a grain call may take before it is abandoned (Orleans' default is 30 s).</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where a host finds its own settings (appsettings*.json) and resolves relative paths, whatever the working
    /// directory: the project folder under <c>dotnet run</c> (the working directory holds the project file), else the
    /// folder of the host's assembly (a deployed host, or <c>dotnet path/to/Connects.Api.dll</c> from anywhere).
    /// <c>ASPNETCORE_CONTENTROOT</c> / <c>--contentRoot</c> still choose explicitly.
    /// </summary>
    public static WebApplicationOptions HostOptions(string[] args)
    {
        var explicitRoot = Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT") is { Length: > 0 }
            || args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase));
        if (explicitRoot) return new WebApplicationOptions { Args = args };
        var host = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        var fromProject = host is not null && File.Exists(Path.Combine(Directory.GetCurrentDirectory(), host + ".csproj"));
        return new WebApplicationOptions { Args = args, ContentRootPath = fromProject ? Directory.GetCurrentDirectory() : AppContext.BaseDirectory };
    }

    /// <summary>Hosts a Connects silo in this process.</summary>
    public static IHostApplicationBuilder AddConnectsSilo(this IHostApplicationBuilder builder)
    {
        var (storage, silo, sandbox) = builder.AddConnectsServices();
        var observability = builder.AddConnectsObservability();
        if (sandbox.Enabled) builder.Services.AddKeyedSingleton<Orleans.Providers.IControllable, SandboxClockControl>(SandboxClockControl.Name);
        builder.UseOrleans(siloBuilder =>
        {
            siloBuilder.AddConnectsDashboard(observability);
            if (silo.UsesMembershipTable)
            {
                siloBuilder.UseAdoNetClustering(options =>
                {
                    options.Invariant = storage.Invariant;
                    options.ConnectionString = storage.EffectiveConnectionString;
                });
                siloBuilder.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (silo.ClusterId, silo.ServiceId));
                if (string.IsNullOrEmpty(silo.AdvertisedAddress))
                    siloBuilder.ConfigureEndpoints(silo.SiloPort, silo.GatewayPort);
                else
                    siloBuilder.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedAddress), silo.SiloPort, silo.GatewayPort);
            }
            else
            {
                siloBuilder.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            }
            siloBuilder.AddConnectsStorage(storage);
            if (silo.UsesMembershipTable && silo.RebalanceActivations) siloBuilder.AddConnectsRebalancer();
        });
        builder.Services.AddSingleton<AuditRuns>();
        if (observability.Metrics)
        {
            // After UseOrleans added the silo's own hosted service: these start once the silo has.
            builder.Services.AddHostedService<MembershipMetrics>();
            builder.Services.AddHostedService<AuditMetrics>();
        }
        // Fail over in seconds, not half a minute: a call to a dead silo is abandoned after ResponseTimeout
        // (the API then retries it), and a silo that misses 3 probes of 2 s is voted dead. Configuration
        // (Orleans:Membership, Orleans:Messaging) overrides these.
        builder.Services.Configure<ClusterMembershipOptions>(o => (o.ProbeTimeout, o.NumMissedProbesLimit) = (TimeSpan.FromSeconds(1), 3));
        builder.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Orleans:Membership"));
        builder.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        builder.Services.Configure<SiloMessagingOptions>(builder.Configuration.GetSection("Orleans:Messaging"));
        builder.Services.Configure<ActivationRebalancerOptions>(builder.Configuration.GetSection("Orleans:ActivationRebalancer"));
        return builder;
    }

    /// <summary>
    /// Orleans' activation rebalancer (see <see cref="SiloSettings.RebalanceActivations"/>): one worker in the cluster
    /// compares the silos' activation counts (and memory) and tells the fullest silo to migrate activations, idle
    /// between calls, to the emptiest; a migrated grain takes its state along and is not read again. Orleans' defaults
    /// start the first session a minute after the cluster starts and move slowly (a cycle every 15 s, the first cycles
    /// moving a tenth of the imbalance); here a session starts within 10 s and cycles every 5 s, weighted to move about
    /// a quarter of the imbalance in its first cycle, so a silo added under load holds its share within about a minute.
    /// <paramref name="tune"/> (tests) adjusts the options after these defaults.
    /// </summary>
    public static ISiloBuilder AddConnectsRebalancer(this ISiloBuilder silo, Action<ActivationRebalancerOptions>? tune = null)
    {
        // ORLEANSEXP002: the rebalancer is experimental in Orleans 10; it is the one built-in way to move activations that
        // are already active, behind Connects:Silo:RebalanceActivations so that operators can turn it off.
#pragma warning disable ORLEANSEXP002
        silo.AddActivationRebalancer();
#pragma warning restore ORLEANSEXP002
        silo.Services.Configure<ActivationRebalancerOptions>(o =>
        {
            o.RebalancerDueTime = TimeSpan.FromSeconds(10);
            o.SessionCyclePeriod = TimeSpan.FromSeconds(5);
            o.CycleNumberWeight = 0.3;
        });
        if (tune is not null) silo.Services.Configure(tune);
        return silo;
    }

    /// <summary>Makes this process an Orleans client of a cluster that keeps its membership in the database.</summary>
    public static IHostApplicationBuilder AddConnectsClient(this IHostApplicationBuilder builder)
    {
        var (storage, silo, _) = builder.AddConnectsServices();
        var observability = builder.AddConnectsObservability();
        builder.UseOrleansClient(client =>
        {
            client.AddConnectsDashboard(observability);
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = storage.Invariant;
                options.ConnectionString = storage.EffectiveConnectionString;
            });
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (silo.ClusterId, silo.ServiceId));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        });
        builder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        builder.Services.Configure<ClientMessagingOptions>(builder.Configuration.GetSection("Orleans:Messaging"));
        return builder;
    }

    /// <summary>What silo and client processes share: settings, rules, migration, the clock, health checks.</summary>
    private static (StorageSettings Storage, SiloSettings Silo, SandboxSettings Sandbox) AddConnectsServices(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var storage = BindStorage(builder);
        var silo = Bind<SiloSettings>(configuration, SiloSettings.Section);
        var sandbox = Bind<SandboxSettings>(configuration, SandboxSettings.Section);
        // The sandbox clock moves every wallet's time for real: a test and development feature, like a billing test clock.
        // A staging "sandbox" deployment may enable it explicitly; Production never.
        if (sandbox.Enabled && builder.Environment.IsProduction())
            throw new InvalidOperationException(
                $"{SandboxSettings.Section}:{nameof(SandboxSettings.Enabled)} is true in the Production environment. The sandbox clock moves " +
                "every wallet's time (refreshes, forfeits and expiries happen for real): enable it only in Development, tests or a staging environment.");

        builder.Services.AddConnectsRules(configuration);
        builder.Services.AddSingleton(storage);
        builder.Services.AddSingleton(silo);
        builder.Services.AddSingleton(sandbox);
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<SandboxClockStore>();
        builder.Services.AddSingleton<Auditor>();
        // Hosted services start in registration order: the schema is in place before Orleans starts.
        if (storage.MigrateOnStart) builder.Services.AddHostedService<MigrateOnStart>();
        builder.Services.AddConnectsClock(sandbox);
        // The API tells every silo to follow a sandbox clock advance through the management grain, which names this type.
        builder.Services.Configure<Orleans.Serialization.Configuration.TypeManifestOptions>(o => o.AddAllowedType(typeof(SandboxClockControl)));
        builder.Services.AddConnectsHealthChecks();
        builder.Services.AddSingleton(Options.Create(Bind<WebhookSettings>(configuration, WebhookSettings.Section)));
        return (storage, silo, sandbox);
    }

    /// <summary>The domain's rules and the grains' protocol settings as validated options (all listed in docs/operations.md).
    /// <see cref="WalletRules"/> and <see cref="WalletProtocolSettings"/> share the section <c>Connects:Wallet</c>.</summary>
    public static IServiceCollection AddConnectsRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton<ConnectsMetrics>();
        services.TryAddSingleton<Grains.RefreshPacer>();
        services.AddOptions<WalletRules>().Bind(configuration.GetSection(WalletRules.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WalletProtocolSettings>().Bind(configuration.GetSection(WalletProtocolSettings.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PricingRules>().Bind(configuration.GetSection(PricingRules.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Connects.Grains.WebhookDeliverySettings>().Bind(configuration.GetSection(Connects.Grains.WebhookDeliverySettings.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>The Connects clock (keyed, see <see cref="ConnectsClock"/>): the sandbox clock when enabled, else the system clock.</summary>
    private static IServiceCollection AddConnectsClock(this IServiceCollection services, SandboxSettings sandbox)
    {
        if (!sandbox.Enabled) return services.AddKeyedSingleton(ConnectsClock.Key, TimeProvider.System);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SandboxClock(TimeProvider.System, sp.GetRequiredService<SandboxClockStore>(), sandbox,
            sp.GetRequiredService<ILogger<SandboxClock>>()));
        return services.AddKeyedSingleton<TimeProvider>(ConnectsClock.Key, (sp, _) => sp.GetRequiredService<SandboxClock>());
    }

    /// <summary>Grain state and reminders through Orleans' ADO.NET providers on the project's own schema.</summary>
    public static ISiloBuilder AddConnectsStorage(this ISiloBuilder silo, StorageSettings storage)
    {
        // State is written with Orleans' own serializer: compact, and version tolerant through the [Id]s of the state types.
        // On SQLite the ADO.NET providers sit behind a write gate (see SqliteWriteGate): the grains' storage name then
        // resolves to the gated decorator, the provider itself to an inner name.
        var gated = !storage.IsPostgreSql;
        var providerName = gated ? ConnectsStorage.Name + "-sqlite" : ConnectsStorage.Name;
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(providerName);
        if (storage.BatchWrites)
        {
            // The same provider and invariant, given a data source instead of the connection string: its connections send
            // the state write statement to the batcher (see StorageSettings.BatchWrites, BatchingDataSource).
            silo.Services.TryAddSingleton(sp => new StateWriteBatcher(storage, gated ? sp.GetRequiredService<SqliteWriteGate>() : null,
                sp.GetRequiredService<ConnectsMetrics>(), sp.GetRequiredService<ILogger<StateWriteBatcher>>()));
            silo.Services.TryAddSingleton(sp => new BatchingDataSource(storage, sp.GetRequiredService<StateWriteBatcher>()));
            silo.AddAdoNetGrainStorage(providerName, options => options.Configure<BatchingDataSource>((o, dataSource) =>
            {
                o.Invariant = storage.Invariant;
                o.DataSource = dataSource;
            }));
        }
        else
        {
            silo.AddAdoNetGrainStorage(providerName, options =>
            {
                options.Invariant = storage.Invariant;
                options.ConnectionString = storage.EffectiveConnectionString;
            });
        }
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = storage.Invariant;
            options.ConnectionString = storage.EffectiveConnectionString;
        });
        if (gated) GateSqliteWrites(silo.Services, providerName, gateStateWrites: !storage.BatchWrites);
        silo.Services.TryAddSingleton<Connects.Grains.IRenewalRoll>(sp => new RenewalRoll(storage, gated ? sp.GetRequiredService<SqliteWriteGate>() : null));
        // The wallets' services need the renewal roll, which only a silo has: registered here, not with the rules a client
        // API also registers (there, an unresolvable WalletServices failed the Development host's start-up validation).
        silo.Services.TryAddSingleton<Connects.Grains.WalletServices>();
        silo.Services.TryAddSingleton(sp => new EventStore(storage, gated ? sp.GetRequiredService<SqliteWriteGate>() : null));
        silo.Services.TryAddSingleton<Connects.Grains.IEventStore>(sp => sp.GetRequiredService<EventStore>());
        silo.Services.AddWebhookDelivery();
        silo.Services.TryAddSingleton<Connects.Grains.IExpiryNoticeRoll>(sp => new ExpiryNoticeRoll(storage, gated ? sp.GetRequiredService<SqliteWriteGate>() : null));
        silo.AddStartupTask<WakeRenewalCohorts>();
        // The refresh's pace suits its storage (WalletProtocolSettings.CohortRefreshConcurrency): set here unless configured.
        silo.Services.PostConfigure<WalletProtocolSettings>(s => s.CohortRefreshConcurrency ??= storage.IsPostgreSql
            ? WalletProtocolSettings.PostgreSqlCohortRefreshConcurrency
            : WalletProtocolSettings.SqliteCohortRefreshConcurrency);
        return silo;
    }

    /// <summary>
    /// What a silo needs to deliver webhooks (<see cref="Connects.Grains.WebhookDeliveryGrain"/>): the events table as a
    /// feed, the sender, its HTTP client (no redirects, the SSRF guard on every connection, a timeout per attempt through
    /// Microsoft.Extensions.Http.Resilience) and the delivery's clock (the system clock unless a test set another first).
    /// </summary>
    private static void AddWebhookDelivery(this IServiceCollection services)
    {
        services.TryAddSingleton<Connects.Grains.IWebhookFeed>(sp => sp.GetRequiredService<EventStore>());
        services.TryAddSingleton(Options.Create(new WebhookSettings()));
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<Connects.Grains.IWebhookSender>(sp => sp.GetRequiredService<WebhookSender>());
        services.TryAddKeyedSingleton(Connects.Grains.WebhookDeliverySettings.ClockKey, TimeProvider.System);
        // No request log lines (four per POST at Information): each attempt is in the deliveries route, failures in the log.
        services.AddHttpClient(WebhookSender.ClientName).RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = sp.GetRequiredService<WebhookSender>().Connect,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddResilienceHandler("webhook-attempt", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<Connects.Grains.WebhookDeliverySettings>>().Value.AttemptTimeout));
        // The resilience handler's timeout is the one deadline of an attempt.
        services.Configure<HttpClientFactoryOptions>(WebhookSender.ClientName, o => o.HttpClientActions.Add(client => client.Timeout = Timeout.InfiniteTimeSpan));
    }

    private static void GateSqliteWrites(IServiceCollection services, string providerName, bool gateStateWrites)
    {
        services.TryAddSingleton<SqliteWriteGate>();
        services.AddKeyedSingleton<IGrainStorage>(ConnectsStorage.Name, (sp, _) =>
            new GatedGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(providerName), sp.GetRequiredService<SqliteWriteGate>(), gateStateWrites));
        var table = services.Last(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService);
        services.Remove(table);
        services.AddSingleton<IReminderTable>(sp => new GatedReminderTable(Inner(sp, table), sp.GetRequiredService<SqliteWriteGate>()));

        static IReminderTable Inner(IServiceProvider sp, ServiceDescriptor d) =>
            (IReminderTable)(d.ImplementationInstance
                ?? d.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
    }

    /// <summary>The storage settings; a relative database path is relative to the content root (src/Api under `dotnet run`).</summary>
    public static StorageSettings BindStorage(IHostApplicationBuilder builder)
    {
        var storage = Bind<StorageSettings>(builder.Configuration, StorageSettings.Section);
        storage.SqlitePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        return storage;
    }

    /// <summary>Binds and validates a settings section now: the host cannot be wired without it.</summary>
    public static T Bind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var settings = configuration.GetSection(section).Get<T>() ?? new T();
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true))
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
