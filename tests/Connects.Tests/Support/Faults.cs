namespace Connects.Tests.Support;

/// <summary>How an injected fault hits a call.</summary>
public enum FaultMode
{
    /// <summary>The call fails before the grain runs it: it never happened.</summary>
    Before,
    /// <summary>The grain runs the call, then it fails: the reply is lost.</summary>
    After,
    /// <summary>The caller gives up on the call (it hears a timeout, as it would once its response timeout passed) and the
    /// grain runs the call late, after that: once the test lets it (<see cref="Faults.Quiesce"/>).</summary>
    Delay,
}

/// <summary>
/// A test-only grain call filter: makes the next call(s) to a method of a given grain fail, either before the grain runs
/// it (the call never happened) or after (the reply is lost), or run late, after its caller gave up on it. A method is
/// named either alone ("Cancel") or with its interface ("IJobGrain.Cancel") when two grains of different types share a key.
/// <para>
/// A late call is played by both ends of the call, so no test waits for a clock: on the caller's side (an outgoing filter,
/// on every silo and on the client) the call goes on to the grain but the caller is answered at once with a
/// <see cref="TimeoutException"/>, as Orleans answers a call whose response timeout passed, and the grain's answer, when
/// it comes, is dropped, as Orleans drops a response that comes after the timeout. On the grain's side (the incoming
/// filter) the call waits until the test lets it run, after the caller has reacted to its failure.
/// </para>
/// </summary>
public sealed class Faults : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Method, string GrainKey), Plan> _planned = [];
    /// <summary>Calls whose callers gave up, on their way to their grains, by the name and key their plan was made for.</summary>
    private readonly Dictionary<(string Method, string GrainKey), Queue<LateCall>> _late = [];
    /// <summary>Late calls the test has not let run yet.</summary>
    private readonly List<LateCall> _held = [];
    private int _fired;
    private int _delaysPlanned;

    private sealed record Plan(FaultMode Mode, int Remaining);

    private sealed class LateCall
    {
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Ran { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>How many faults fired since the cluster started (for the figures a test prints).</summary>
    public int Fired => Volatile.Read(ref _fired);

    public void FailBefore(string method, string grainKey, int times = 1) => Inject(FaultMode.Before, method, grainKey, times);
    public void FailAfter(string method, string grainKey, int times = 1) => Inject(FaultMode.After, method, grainKey, times);
    public void Delay(string method, string grainKey, int times = 1) => Inject(FaultMode.Delay, method, grainKey, times);

    public void Inject(FaultMode mode, string method, string grainKey, int times = 1)
    {
        lock (_lock)
        {
            _planned[(method, grainKey)] = new Plan(mode, times);
            if (mode == FaultMode.Delay) _delaysPlanned++;
        }
    }

    /// <summary>Whether the planned fault(s) of a method on a grain have all fired.</summary>
    public bool Spent(string method, string grainKey)
    {
        lock (_lock) return !_planned.TryGetValue((method, grainKey), out var plan) || plan.Remaining <= 0;
    }

    /// <summary>Forgets the planned faults and lets every late call run.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _planned.Clear();
            _delaysPlanned = 0;
            foreach (var late in _held) late.Released.TrySetResult();
            _held.Clear();
        }
    }

    /// <summary>Lets the calls whose callers gave up run now, late, and waits until they have run.</summary>
    public async Task Quiesce()
    {
        LateCall[] held;
        lock (_lock)
        {
            held = [.. _held];
            _held.Clear();
        }
        foreach (var late in held) late.Released.TrySetResult();
        await Task.WhenAll(held.Select(l => l.Ran.Task)).Within("the delayed calls to run");
    }

    private Plan? Take(string method, string grainKey, bool delay)
    {
        lock (_lock)
        {
            if (!_planned.TryGetValue((method, grainKey), out var plan) || plan.Remaining <= 0 || (plan.Mode == FaultMode.Delay) != delay) return null;
            _planned[(method, grainKey)] = plan with { Remaining = plan.Remaining - 1 };
            Interlocked.Increment(ref _fired);
            return plan;
        }
    }

    private static (string Method, string Qualified) Names(IGrainCallContext context)
    {
        var method = context.InterfaceMethod.Name;
        return (method, $"{context.InterfaceMethod.DeclaringType?.Name}.{method}");
    }

    /// <summary>The caller's side: a call planned to run late goes on to its grain, and its caller is told it timed out.</summary>
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (Volatile.Read(ref _delaysPlanned) == 0)
        {
            await context.Invoke();
            return;
        }
        var (method, qualified) = Names(context);
        var grainKey = context.TargetId.Key.ToString()!;
        var name = Take(qualified, grainKey, delay: true) is not null ? qualified : Take(method, grainKey, delay: true) is not null ? method : null;
        if (name is null)
        {
            await context.Invoke();
            return;
        }
        var late = new LateCall();
        lock (_lock)
        {
            if (!_late.TryGetValue((name, grainKey), out var queue)) _late[(name, grainKey)] = queue = new Queue<LateCall>();
            queue.Enqueue(late);
            _held.Add(late);
        }
        // Sent now; the grain holds it until the test lets it run. Its answer (or failure) is dropped: the caller gave up.
        var sent = context.Invoke();
        _ = sent.ContinueWith(t => { _ = t.Exception; late.Ran.TrySetResult(); }, TaskScheduler.Default);
        throw new TimeoutException($"Injected fault: the caller gave up on {name} on {grainKey}, which runs late");
    }

    /// <summary>The grain's side: fails a call before or after running it, or holds a late one until the test lets it run.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var (method, qualified) = Names(context);
        var grainKey = context.TargetId.Key.ToString()!;
        if ((TakeLate(qualified, grainKey) ?? TakeLate(method, grainKey)) is { } late)
        {
            try
            {
                await late.Released.Task;
                await context.Invoke();
            }
            finally
            {
                late.Ran.TrySetResult();
            }
            return;
        }
        var name = qualified;
        var plan = Take(qualified, grainKey, delay: false);
        if (plan is null) (name, plan) = (method, Take(method, grainKey, delay: false));
        switch (plan?.Mode)
        {
            case null:
                await context.Invoke();
                return;
            case FaultMode.After:
                await context.Invoke();
                break;
        }
        throw new TimeoutException($"Injected fault {(plan.Mode == FaultMode.After ? "after" : "before")} {name} on {grainKey}");
    }

    private LateCall? TakeLate(string method, string grainKey)
    {
        lock (_lock)
        {
            return _late.TryGetValue((method, grainKey), out var queue) && queue.TryDequeue(out var late) ? late : null;
        }
    }
}
