using Connects;

namespace Connects.Bench;

/// <summary>Baseline (2): a grain call that does nothing.</summary>
public interface INoOpGrain : IGrainWithStringKey
{
    Task<int> Ping();
}

/// <summary>Baseline (3): a grain call that does one durable write of a small state through the same ADO.NET storage.</summary>
public interface IOneWriteGrain : IGrainWithStringKey
{
    Task<int> Write();

    /// <summary>No write: activates the grain (which reads its state) so B5 can time the writes alone.</summary>
    Task<int> Read();
}

[GenerateSerializer, Alias("Connects.Bench.BenchState")]
public sealed class BenchState
{
    [Id(0)] public int Count { get; set; }
    [Id(1)] public string Note { get; set; } = "bench";
}

public sealed class NoOpGrain : Grain, INoOpGrain
{
    public Task<int> Ping() => Task.FromResult(1);
}

public sealed class OneWriteGrain([PersistentState("bench", ConnectsStorage.Name)] IPersistentState<BenchState> state) : Grain, IOneWriteGrain
{
    public async Task<int> Write()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> Read() => Task.FromResult(state.State.Count);
}
