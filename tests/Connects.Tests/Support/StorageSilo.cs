using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Connects.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Connects.Tests.Support;

/// <summary>
/// One in-process silo with the product's grain storage (<see cref="ConnectsHosting.AddConnectsStorage"/> on the given
/// database) and nothing else, for tests of the storage itself: they call its <see cref="IGrainStorage"/> as a grain's
/// state would, with states of their own (a list of strings) under state name <see cref="State"/>. Collects the sizes
/// that silo records in <c>connects.storage.batch.size</c> and the failed writes it counts.
/// </summary>
public sealed class StorageSilo : IAsyncDisposable
{
    public const string State = "batching";

    private readonly InProcessTestCluster _cluster;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<int> _batches = new();
    private readonly ConcurrentQueue<int> _backgroundBatches = new();
    private long _writeErrors;

    private StorageSilo(InProcessTestCluster cluster)
    {
        _cluster = cluster;
        var meters = Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is ConnectsMetrics.StateWriteBatchSize or ConnectsMetrics.StateWriteErrors && ReferenceEquals(instrument.Meter.Scope, meters))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "lane", Value: "background" }) _backgroundBatches.Enqueue(size);
            _batches.Enqueue(size);
        });
        _listener.SetMeasurementEventCallback<long>((_, writes, _, _) => Interlocked.Add(ref _writeErrors, writes));
        _listener.Start();
    }

    public static async Task<StorageSilo> Start(StorageSettings storage, string serviceId, Dictionary<string, string?>? configuration = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddConnectsStorage(storage);
            silo.Services.AddConnectsRules(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build());
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new StorageSilo(cluster);
    }

    public IServiceProvider Services => _cluster.Silos[0].ServiceProvider;

    public IGrainStorage Storage => Services.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);

    /// <summary>The size of every batch this silo has run so far, in order.</summary>
    public IReadOnlyList<int> Batches => [.. _batches];

    /// <summary>The size of every batch of background work's writes (<see cref="BackgroundWork"/>) this silo has run so far.</summary>
    public IReadOnlyList<int> BackgroundBatches => [.. _backgroundBatches];

    /// <summary>The writes this silo has counted in <c>connects.storage.write.errors</c> so far.</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    public static GrainId Id(string key) => GrainId.Create(State, key);

    /// <summary>A state that was never stored (no version yet).</summary>
    public static GrainState<List<string>> Fresh(string value) => new([value]);

    /// <summary>Writes <paramref name="value"/> as grain <paramref name="key"/>'s state, from the version <paramref name="state"/>
    /// holds; on success <paramref name="state"/> holds the new version, as a grain's state would.</summary>
    public Task Write(string key, GrainState<List<string>> state, string value)
    {
        state.State = [value];
        return Storage.WriteStateAsync(State, Id(key), state);
    }

    public async Task<GrainState<List<string>>> Read(string key)
    {
        var state = new GrainState<List<string>>();
        await Storage.ReadStateAsync(State, Id(key), state);
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _cluster.DisposeAsync();
    }
}
