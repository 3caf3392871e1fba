using System.Collections.Concurrent;

namespace Connects.Tests.Support;

/// <summary>
/// A test-only incoming grain call filter: makes the next call(s) to a method of a given grain fail,
/// either before the grain runs it (the call never happened) or after (the reply is lost).
/// </summary>
public sealed class Faults : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(string Method, string GrainKey), (bool AfterRun, int Remaining)> _planned = new();

    public void FailBefore(string method, string grainKey, int times = 1) => _planned[(method, grainKey)] = (false, times);
    public void FailAfter(string method, string grainKey, int times = 1) => _planned[(method, grainKey)] = (true, times);
    public void Clear() => _planned.Clear();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var key = (context.InterfaceMethod.Name, context.TargetId.Key.ToString()!);
        if (!_planned.TryGetValue(key, out var plan) || plan.Remaining <= 0)
        {
            await context.Invoke();
            return;
        }
        _planned[key] = plan with { Remaining = plan.Remaining - 1 };
        if (plan.AfterRun) await context.Invoke();
        throw new TimeoutException($"Injected fault {(plan.AfterRun ? "after" : "before")} {key.Item1} on {key.Item2}");
    }
}
