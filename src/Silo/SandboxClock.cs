using Microsoft.Extensions.Logging;

namespace Connects.Silo;

/// <summary>
/// The service's time when the sandbox is on: real time plus an offset that only grows. Moving it
/// forward lets refreshes, rollovers and expiries be seen without waiting. The offset lives in the
/// database, so a restart does not move time back and every process of a cluster follows it
/// (each re-reads it every <see cref="SandboxSettings.RefreshInterval"/>).
/// </summary>
public sealed partial class SandboxClock : TimeProvider, IDisposable
{
    private readonly TimeProvider _real;
    private readonly SandboxClockStore _store;
    private readonly ILogger<SandboxClock> _logger;
    private readonly ITimer _refresh;
    private long _offsetTicks;

    public SandboxClock(TimeProvider real, SandboxClockStore store, SandboxSettings settings, ILogger<SandboxClock> logger)
    {
        _real = real;
        _store = store;
        _logger = logger;
        _offsetTicks = store.Load().Ticks;
        _refresh = real.CreateTimer(_ => Refresh(), null, settings.RefreshInterval, settings.RefreshInterval);
    }

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => _real.GetUtcNow() + Offset;

    public DateTimeOffset Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        Follow(_store.AdvanceBy(by));
        return GetUtcNow();
    }

    public void Dispose() => _refresh.Dispose();

    private void Refresh()
    {
        try
        {
            Follow(_store.Load());
        }
        catch (Exception ex)
        {
            LogRefreshFailed(_logger, ex);
        }
    }

    /// <summary>Takes a newer offset; an older one (a stale read) is ignored, so time never goes back.</summary>
    private void Follow(TimeSpan offset)
    {
        var current = Interlocked.Read(ref _offsetTicks);
        while (offset.Ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _offsetTicks, offset.Ticks, current);
            if (seen == current) return;
            current = seen;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read the sandbox clock's offset; keeping the last one")]
    private static partial void LogRefreshFailed(ILogger logger, Exception ex);
}
