using Connects.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Grains;

/// <summary>
/// Gives idle wallets their expiring notices without a reminder per wallet: one reminder, every
/// <see cref="WalletProtocolSettings.ExpiryNoticeScanPeriod"/>, reads the expiry notice roll for entries due by now (the
/// Connects clock), refreshes each of their wallets (<see cref="IWalletGrain.Refresh"/>, which records the notices due in
/// the wallet's own write), at most <see cref="WalletProtocolSettings.CohortRefreshConcurrency"/> at a time, and takes an
/// entry off the roll only once its wallet answered. An entry left (a wallet that failed, a silo that died) is read
/// again at the next tick; a wallet refreshed twice finds nothing to do. The pass is <see cref="BackgroundWork"/>, as a
/// renewal cohort's refresh is.
/// </summary>
public sealed partial class ExpiryNoticeGrain(
    IExpiryNoticeRoll roll,
    IOptions<WalletProtocolSettings> settings,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    ILogger<ExpiryNoticeGrain> logger) : Grain, IExpiryNoticeGrain, IRemindable
{
    public const string Reminder = "expiry-notices";
    private const int PageSize = 1000;
    private bool _scheduled;
    private Task<int>? _running;

    public async Task Wake()
    {
        await Schedule();
        _ = Start(); // goes on beside the grain's calls; a failure is logged by the pass
    }

    public async Task<int> NoticeDue()
    {
        if (_running is { IsCompleted: false } running)
        {
            await running;
            return 0;
        }
        return await Start();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Reminder) return;
        await Schedule();
        _ = Start(); // goes on beside the grain's calls; a failure is logged by the pass
    }

    private async Task Schedule()
    {
        if (_scheduled) return;
        var period = settings.Value.ExpiryNoticeScanPeriod;
        await this.RegisterOrUpdateReminder(Reminder, period, period);
        _scheduled = true;
    }

    private Task<int> Start() => _running is { IsCompleted: false } running ? running : _running = Pass();

    private async Task<int> Pass()
    {
        // No user waits for a notice: the wallets' writes go in the background lane, beside live writes.
        BackgroundWork.Begin();
        var now = clock.GetUtcNow();
        var (refreshed, failed) = (0, 0);
        using var slots = new SemaphoreSlim(settings.Value.PacedRefreshes);
        try
        {
            ExpiryNoticeDue? after = null;
            while (await roll.Due(now, after, PageSize) is { Count: > 0 } page)
            {
                DelayDeactivation(TimeSpan.FromMinutes(10));
                await Task.WhenAll(page.Select(NoticeOne));
                after = page[^1];
            }
            if (refreshed + failed > 0) LogPass(logger, refreshed, failed, now);
        }
        catch (Exception ex)
        {
            LogPassFailed(logger, ex, refreshed);
        }
        return refreshed;

        async Task NoticeOne(ExpiryNoticeDue entry)
        {
            await slots.WaitAsync();
            try
            {
                await GrainFactory.Wallet(entry.FreelancerId).Refresh();
                await roll.Remove(entry);
                refreshed++;
            }
            catch (Exception ex)
            {
                if (failed++ == 0) LogWalletFailed(logger, ex, entry.FreelancerId);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expiry notices: {Refreshed} wallets brought up to {Now} ({Failed} failed, retried at the next tick)")]
    private static partial void LogPass(ILogger logger, int refreshed, int failed, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry notices: the pass stopped after {Refreshed} wallets; the next tick starts again")]
    private static partial void LogPassFailed(ILogger logger, Exception ex, int refreshed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry notices: wallet {FreelancerId} could not be refreshed (the first failure of this pass)")]
    private static partial void LogWalletFailed(ILogger logger, Exception ex, string freelancerId);
}
