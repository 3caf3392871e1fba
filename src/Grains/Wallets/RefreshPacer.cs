using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// Paces the refreshes that wallets' reminders start, one per silo. On the first of the month many wallets fall due
/// at once and their reminder ticks arrive together; unpaced, their writes queue ahead of live proposals' writes
/// (on SQLite, with 100,000 wallets due at one instant, submissions' p99 went from 14 ms to 6 s; docs/performance.md). At most
/// <see cref="WalletProtocolSettings.ReminderRefreshConcurrency"/> reminder refreshes run at a time; the others wait their
/// turn, and a call from a user never waits here (it brings its wallet up to date itself).
/// </summary>
public sealed class RefreshPacer(IOptions<WalletProtocolSettings> settings) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(settings.Value.ReminderRefreshConcurrency);

    public async Task Run(Func<Task> refresh)
    {
        await _slots.WaitAsync();
        try
        {
            await refresh();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
