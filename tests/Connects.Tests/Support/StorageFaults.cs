using Connects.Tests.Faults;
using Microsoft.Extensions.DependencyInjection;
using Connects.Domain;
using Connects.Grains;
using Orleans.Storage;

namespace Connects.Tests.Support;

/// <summary>
/// Test-only faults in grain storage, planned per state and grain (a state name such as "wallet" and a grain key such as
/// "freelancer:ada"): the next write(s) fail before they reach the database (they never happened) or after (they landed,
/// the grain hears they failed), or wait at a gate the test opens. Counts the writes that landed.
/// </summary>
public sealed class StorageFaults
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string State, string Key), (FaultMode Mode, int Remaining)> _failures = [];
    private readonly Dictionary<(string State, string Key), Gate> _gates = [];
    private readonly Dictionary<(string State, string Key), int> _writes = [];
    private readonly Dictionary<string, int> _eventFailures = [];

    /// <summary>Holds one write until <see cref="Open"/>; <see cref="Reached"/> completes when that write is waiting, and
    /// <see cref="Written"/> once it is over.</summary>
    public sealed class Gate(int skip)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<Exception?> _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal int Skip = skip;
        public Task Reached => _reached.Task;
        public void Open() => _open.TrySetResult();

        /// <summary>The held write's outcome once it is over, as its grain heard it: null if it was stored, else the
        /// exception (the storage's own, such as a version conflict, or an injected fault).</summary>
        public Task<Exception?> Written => _written.Task;

        internal void Done(Exception? failure) => _written.TrySetResult(failure);

        internal Task Wait()
        {
            _reached.TrySetResult();
            return _open.Task;
        }
    }

    /// <summary>The next <paramref name="times"/> writes of a grain's state fail: <see cref="FaultMode.Before"/> the database
    /// sees them, or <see cref="FaultMode.After"/> they landed.</summary>
    public void FailWrites(string state, string grainKey, FaultMode mode, int times = 1)
    {
        if (mode is not (FaultMode.Before or FaultMode.After)) throw new ArgumentOutOfRangeException(nameof(mode));
        lock (_lock) _failures[(state, grainKey)] = (mode, times);
    }

    /// <summary>Lets <paramref name="skip"/> writes of a grain's state through, then holds the next one at a gate.</summary>
    public Gate HoldWrite(string state, string grainKey, int skip = 0)
    {
        var gate = new Gate(skip);
        lock (_lock) _gates[(state, grainKey)] = gate;
        return gate;
    }

    /// <summary>Whether the planned write failures of a grain's state have all fired.</summary>
    public bool Spent(string state, string grainKey)
    {
        lock (_lock) return !_failures.TryGetValue((state, grainKey), out var plan) || plan.Remaining <= 0;
    }

    /// <summary>Writes of a grain's state that landed (including those that landed and were reported failed).</summary>
    public int Writes(string state, string grainKey)
    {
        lock (_lock) return _writes.GetValueOrDefault((state, grainKey));
    }

    /// <summary>The next <paramref name="times"/> recordings of <paramref name="subject"/>'s events in the events table fail
    /// before they reach it: the window between a wallet's write and its events' recording.</summary>
    public void FailEventRecords(string subject, int times = 1)
    {
        lock (_lock) _eventFailures[subject] = times;
    }

    internal bool TakeEventFailure(string subject)
    {
        lock (_lock)
        {
            if (_eventFailures.GetValueOrDefault(subject) <= 0) return false;
            _eventFailures[subject]--;
            return true;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _failures.Clear();
            _eventFailures.Clear();
            foreach (var gate in _gates.Values) gate.Open();
            _gates.Clear();
        }
    }

    internal async Task Write(string state, GrainId grainId, Func<Task> write)
    {
        var key = (state, grainId.Key.ToString()!);
        Gate? gate = null;
        lock (_lock)
        {
            if (_gates.TryGetValue(key, out var planned) && planned.Skip-- <= 0)
            {
                gate = planned;
                _gates.Remove(key);
            }
        }
        // A failure planned while the write waited at its gate applies to it.
        if (gate is not null) await gate.Wait();
        try
        {
            await Write(key, write);
        }
        catch (Exception ex)
        {
            gate?.Done(ex);
            throw;
        }
        gate?.Done(null);
    }

    private async Task Write((string State, string Key) key, Func<Task> write)
    {
        FaultMode? fault = null;
        lock (_lock)
        {
            if (_failures.TryGetValue(key, out var plan) && plan.Remaining > 0)
            {
                fault = plan.Mode;
                _failures[key] = plan with { Remaining = plan.Remaining - 1 };
            }
        }
        if (fault == FaultMode.Before) throw new TimeoutException($"Injected storage fault before writing {key.State} of {key.Key}");
        await write();
        lock (_lock) _writes[key] = _writes.GetValueOrDefault(key) + 1;
        if (fault == FaultMode.After) throw new TimeoutException($"Injected storage fault after writing {key.State} of {key.Key}");
    }
}

/// <summary>The grains' storage seen through <see cref="StorageFaults"/>.</summary>
public sealed class FaultyGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.Write(stateName, grainId, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>The events table seen through <see cref="StorageFaults"/>.</summary>
public sealed class FaultyEventStore(IEventStore inner, StorageFaults faults) : IEventStore
{
    public Task Record(IReadOnlyList<ConnectsEvent> events) =>
        events.Count > 0 && faults.TakeEventFailure(events[0].Subject)
            ? throw new TimeoutException($"Injected fault recording the events of {events[0].Subject}")
            : inner.Record(events);

    public Task<long?> LastSequence(string subject) => inner.LastSequence(subject);

    public Task<IReadOnlyList<ConnectsEvent>> Read(string subject, long after, int limit) => inner.Read(subject, after, limit);
}

public static class StorageFaultWiring
{
    /// <summary>
    /// Puts <see cref="FaultyGrainStorage"/> in front of whatever the grains' storage name resolves to (on SQLite the
    /// write-gated provider that <c>AddConnectsStorage</c> registers under that name), the same keyed way. Call after
    /// <c>AddConnectsStorage</c>.
    /// </summary>
    public static ISiloBuilder AddStorageFaults(this ISiloBuilder silo, StorageFaults faults)
    {
        var services = silo.Services;
        var current = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, ConnectsStorage.Name));
        services.Remove(current);
        services.AddKeyedSingleton<IGrainStorage>(ConnectsStorage.Name, (sp, key) => new FaultyGrainStorage(Inner(sp, key, current), faults));
        var events = services.Last(d => d.ServiceType == typeof(IEventStore) && !d.IsKeyedService);
        services.Remove(events);
        services.AddSingleton<IEventStore>(sp => new FaultyEventStore((IEventStore)(events.ImplementationInstance
            ?? events.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, events.ImplementationType!)), faults));
        return silo;

        static IGrainStorage Inner(IServiceProvider sp, object? key, ServiceDescriptor d) =>
            (IGrainStorage)(d.KeyedImplementationInstance
                ?? d.KeyedImplementationFactory?.Invoke(sp, key)
                ?? ActivatorUtilities.CreateInstance(sp, d.KeyedImplementationType!));
    }
}
