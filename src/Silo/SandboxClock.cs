using System.Xml;
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

    /// <summary>How often this process re-reads the shared offset.</summary>
    public TimeSpan RefreshInterval { get; }

    public SandboxClock(TimeProvider real, SandboxClockStore store, SandboxSettings settings, ILogger<SandboxClock> logger)
    {
        _real = real;
        _store = store;
        _logger = logger;
        _offsetTicks = store.Load().Ticks;
        RefreshInterval = settings.RefreshInterval;
        _refresh = real.CreateTimer(_ => Refresh(), null, settings.RefreshInterval, settings.RefreshInterval);
    }

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => _real.GetUtcNow() + Offset;

    /// <summary>Moves the shared offset forward by <paramref name="by"/> and follows it here at once; returns the new offset.
    /// Other processes follow within <see cref="SandboxSettings.RefreshInterval"/>, or at once when told (see
    /// <see cref="SandboxClockControl"/>).</summary>
    public TimeSpan Advance(TimeSpan by, string who)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        var offset = _store.AdvanceBy(by);
        Follow(offset);
        LogAdvanced(_logger, who, XmlConvert.ToString(by), XmlConvert.ToString(offset));
        return offset;
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

    /// <summary>Takes a newer offset; an older one (a stale read) is ignored, so time never goes back. Returns the offset in force.</summary>
    public TimeSpan Follow(TimeSpan offset)
    {
        var current = Interlocked.Read(ref _offsetTicks);
        while (offset.Ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _offsetTicks, offset.Ticks, current);
            if (seen == current) return offset;
            current = seen;
        }
        return TimeSpan.FromTicks(current);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox clock moved forward by {By} by {Who}; the service's time is now real time + {Offset}")]
    private static partial void LogAdvanced(ILogger logger, string who, string by, string offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read the sandbox clock's offset; keeping the last one")]
    private static partial void LogRefreshFailed(ILogger logger, Exception ex);
}

/// <summary>
/// Lets the process that moved the sandbox clock tell every silo at once, through Orleans' management grain
/// (<c>IManagementGrain.SendControlCommandToProvider</c> reaches this service on every active silo), so that an
/// advance is answered only once the whole cluster serves the new time.
/// </summary>
public sealed class SandboxClockControl(SandboxClock clock) : Orleans.Providers.IControllable
{
    public const string Name = "connects-sandbox-clock";
    public const int FollowCommand = 1;

    /// <summary>Follows the offset (in ticks) given and answers the offset in force here, in ticks.</summary>
    public Task<object?> ExecuteCommand(int command, object? arg) => command == FollowCommand && arg is long ticks
        ? Task.FromResult<object?>(clock.Follow(TimeSpan.FromTicks(ticks)).Ticks)
        : throw new ArgumentException($"Unknown sandbox clock command {command}.", nameof(command));
}
