using Connects.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Reminders;
using Orleans.TestingHost;

namespace Connects.Tests.Support;

/// <summary>
/// An in-process Orleans cluster on the real storage stack (ADO.NET persistence and reminders on a
/// migrated SQLite file) with fake time for the Connects economy and for reminders.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2027, 1, 31, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _database = new();

    public FakeTimeProvider Time { get; } = new(Start);
    public FakeTimeProvider ReminderTime { get; } = new(Start);
    public Faults Faults { get; } = new();
    public StorageFaults StorageFaults { get; } = new();
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;
    public StorageSettings Storage => _database.Storage;

    /// <summary>
    /// A test silo as the product wires it (ADO.NET storage and reminders on the migrated SQLite file, the Connects
    /// rules) plus the storage and call fault injectors (the call faults filter both ends of a call: the client's outgoing
    /// calls need the same filter, see <see cref="Faults"/>) and the two fake clocks. Reminders tick every minute;
    /// provisional records are asked about after 2-4 s: well after a test's own steps, soon enough to wait for.
    /// </summary>
    public static void Wire(ISiloBuilder silo, StorageSettings storage, Faults faults, StorageFaults storageFaults,
        TimeProvider time, TimeProvider reminderTime)
    {
        var rules = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Connects:Wallet:RefreshReminderPeriod"] = "00:01:00",
            ["Connects:Wallet:ProvisionalRecordAge"] = "00:00:02",
        }).Build();
        silo.AddConnectsStorage(storage);
        silo.AddStorageFaults(storageFaults);
        silo.AddIncomingGrainCallFilter(faults);
        silo.AddOutgoingGrainCallFilter(faults);
        silo.Services.AddConnectsRules(rules);
        silo.Services.AddKeyedSingleton<TimeProvider>(ConnectsClock.Key, time);
        silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, reminderTime);
    }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => Wire(silo, _database.Storage, Faults, StorageFaults, Time, ReminderTime));
        builder.ConfigureClient(client => client.AddOutgoingGrainCallFilter(Faults));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _database.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
