namespace Connects.Silo;

/// <summary>
/// The service's time when the sandbox is on: real time plus an offset that only grows. Moving it
/// forward lets refreshes, rollovers and expiries be seen without waiting; the offset is kept in the
/// database so a restart does not move time back.
/// </summary>
public sealed class SandboxClock(TimeProvider real, SandboxClockStore store) : TimeProvider
{
    private readonly Lock _gate = new();
    private TimeSpan _offset = store.Load();

    public TimeSpan Offset
    {
        get { lock (_gate) return _offset; }
    }

    public override DateTimeOffset GetUtcNow() => real.GetUtcNow() + Offset;

    public DateTimeOffset Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        lock (_gate)
        {
            var offset = _offset + by;
            store.Save(offset);
            _offset = offset;
        }
        return GetUtcNow();
    }
}
