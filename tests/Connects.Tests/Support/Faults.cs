namespace Connects.Tests.Support;

/// <summary>How an injected fault hits a call.</summary>
public enum FaultMode
{
    /// <summary>The call fails before the grain runs it: it never happened.</summary>
    Before,
    /// <summary>The grain runs the call, then it fails: the reply is lost.</summary>
    After,
    /// <summary>The grain runs the call late, after its caller gave up on it (a delay past the response timeout).</summary>
    Delay,
}

/// <summary>
/// A test-only incoming grain call filter: makes the next call(s) to a method of a given grain fail,
/// either before the grain runs it (the call never happened) or after (the reply is lost), or runs them
/// late (the caller times out while the grain still does the work). A method is named either alone
/// ("Cancel") or with its interface ("IJobGrain.Cancel") when two grains of different types share a key.
/// </summary>
public sealed class Faults : IIncomingGrainCallFilter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Method, string GrainKey), Plan> _planned = [];
    private int _fired;
    private int _delayedInFlight;

    private sealed record Plan(FaultMode Mode, int Remaining, TimeSpan Delay);

    /// <summary>How many faults fired since the cluster started (for the figures a test prints).</summary>
    public int Fired => Volatile.Read(ref _fired);

    public void FailBefore(string method, string grainKey, int times = 1) => Set(method, grainKey, new Plan(FaultMode.Before, times, TimeSpan.Zero));
    public void FailAfter(string method, string grainKey, int times = 1) => Set(method, grainKey, new Plan(FaultMode.After, times, TimeSpan.Zero));
    public void Delay(string method, string grainKey, TimeSpan delay, int times = 1) => Set(method, grainKey, new Plan(FaultMode.Delay, times, delay));

    public void Inject(FaultMode mode, string method, string grainKey, TimeSpan delay, int times = 1) =>
        Set(method, grainKey, new Plan(mode, times, delay));

    /// <summary>Whether the planned fault(s) of a method on a grain have all fired.</summary>
    public bool Spent(string method, string grainKey)
    {
        lock (_lock) return !_planned.TryGetValue((method, grainKey), out var plan) || plan.Remaining <= 0;
    }

    public void Clear()
    {
        lock (_lock) _planned.Clear();
    }

    /// <summary>Waits until every delayed call has run (its caller gave up long ago).</summary>
    public async Task Quiesce(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref _delayedInFlight) > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Delayed calls are still running.");
            await Task.Delay(20);
        }
    }

    private void Set(string method, string grainKey, Plan plan)
    {
        lock (_lock) _planned[(method, grainKey)] = plan;
    }

    private Plan? Take(string method, string grainKey)
    {
        lock (_lock)
        {
            if (!_planned.TryGetValue((method, grainKey), out var plan) || plan.Remaining <= 0) return null;
            _planned[(method, grainKey)] = plan with { Remaining = plan.Remaining - 1 };
            Interlocked.Increment(ref _fired);
            if (plan.Mode == FaultMode.Delay) Interlocked.Increment(ref _delayedInFlight);
            return plan;
        }
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var method = context.InterfaceMethod.Name;
        var grainKey = context.TargetId.Key.ToString()!;
        var qualified = $"{context.InterfaceMethod.DeclaringType?.Name}.{method}";
        var name = qualified;
        var plan = Take(qualified, grainKey);
        if (plan is null) (name, plan) = (method, Take(method, grainKey));
        switch (plan?.Mode)
        {
            case null:
                await context.Invoke();
                return;
            case FaultMode.Delay:
                try
                {
                    await Task.Delay(plan.Delay);
                    await context.Invoke();
                }
                finally
                {
                    Interlocked.Decrement(ref _delayedInFlight);
                }
                return;
            case FaultMode.After:
                await context.Invoke();
                break;
        }
        throw new TimeoutException($"Injected fault {(plan.Mode == FaultMode.After ? "after" : "before")} {name} on {grainKey}");
    }
}
