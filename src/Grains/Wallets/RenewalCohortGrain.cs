using System.Diagnostics;
using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// One day of the month's wallets (<see cref="RenewalDay"/>): its reminder is set for the next renewal instant, and when
/// a renewal has passed it refreshes every wallet of the day (<see cref="IWalletGrain.Refresh"/>), at most
/// <see cref="WalletProtocolSettings.CohortRefreshConcurrency"/> at a time, reading them from the renewal roll page by
/// page. Only when all of them answered is the renewal marked done; a tick or wake after a failure refreshes the cohort
/// again, and wallets already refreshed find nothing to do. The refresh runs beside the grain's calls, not in one of them,
/// as <see cref="BackgroundWork"/>: its writes yield to live ones.
/// </summary>
public sealed partial class RenewalCohortGrain(
    [PersistentState("cohort", ConnectsStorage.Name)] IPersistentState<RenewalCohortState> stored,
    IRenewalRoll roll,
    IOptions<WalletProtocolSettings> settings,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    ConnectsMetrics metrics,
    ILogger<RenewalCohortGrain> logger) : Grain, IRenewalCohortGrain, IRemindable
{
    public const string Reminder = "renewal";
    private const int PageSize = 1000;
    /// <summary>What this activation last set the reminder for: the next renewal instant, or <see cref="RetryingRenewal"/>.</summary>
    private DateTimeOffset? _reminderSetFor;
    private static readonly DateTimeOffset RetryingRenewal = DateTimeOffset.MinValue;
    private Task? _refreshing;

    private RenewalDay Day => new((int)this.GetPrimaryKeyLong());

    public async Task Wake()
    {
        await Schedule();
        StartIfBehind();
    }

    public Task<DateTimeOffset?> RefreshedThrough() => Task.FromResult(stored.State.RefreshedThrough);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        metrics.ReminderTick(reminderName);
        if (reminderName != Reminder) return;
        await Schedule();
        StartIfBehind();
    }

    /// <summary>
    /// While a renewal that has passed is not done, the reminder ticks every <see cref="WalletProtocolSettings.RenewalRetryPeriod"/>,
    /// so a refresh cut short (its silo died, a wallet did not answer) is taken up again on whichever silo the cohort then
    /// lives. Once it is done, the reminder is set for the next renewal instant, then ticks every
    /// <see cref="WalletProtocolSettings.RefreshReminderPeriod"/>. The reminder counts real time, Connects time may run
    /// ahead of it (the sandbox clock): after a sandbox clock move the API wakes every cohort.
    /// </summary>
    private async Task Schedule()
    {
        var now = clock.GetUtcNow();
        var behind = IsBehind(out _);
        var target = behind ? RetryingRenewal : Day.NextAfter(now);
        if (_reminderSetFor == target) return;
        var protocol = settings.Value;
        if (behind) await this.RegisterOrUpdateReminder(Reminder, protocol.RenewalRetryPeriod, protocol.RenewalRetryPeriod);
        else await this.RegisterOrUpdateReminder(Reminder, target - now, protocol.RefreshReminderPeriod);
        _reminderSetFor = target;
    }

    /// <summary>Starts refreshing unless a refresh is running: that one looks again when it ends (the clock may have
    /// passed another renewal meanwhile).</summary>
    private void StartIfBehind()
    {
        if (_refreshing is { IsCompleted: false } || !IsBehind(out _)) return;
        _refreshing = RefreshWhileBehind();
    }

    private bool IsBehind(out DateTimeOffset due)
    {
        due = Day.LatestAtOrBefore(clock.GetUtcNow());
        return !(stored.State.RefreshedThrough >= due);
    }

    private async Task RefreshWhileBehind()
    {
        // No user waits for a refresh: its writes go in the background lane, beside live writes rather than ahead of them.
        BackgroundWork.Begin();
        while (IsBehind(out var due) && await RefreshThrough(due)) { }
        try
        {
            await Schedule();
        }
        catch (Exception ex)
        {
            // The reminder still ticks at the retry period, and its tick sets it again.
            LogNotRescheduled(logger, ex, Day.Day);
        }
    }

    /// <summary>Refreshes every wallet of the roll; true when all of them answered and the renewal is marked done.</summary>
    private async Task<bool> RefreshThrough(DateTimeOffset due)
    {
        var started = Stopwatch.GetTimestamp();
        var (refreshed, failed) = (0, 0);
        using var slots = new SemaphoreSlim(settings.Value.PacedRefreshes);
        try
        {
            string? after = null;
            while (await roll.Members(Day, after, PageSize) is { Count: > 0 } page)
            {
                // Keeps this activation while the refresh runs: its calls out are not activity of its own.
                DelayDeactivation(TimeSpan.FromMinutes(10));
                await Task.WhenAll(page.Select(RefreshOne));
                after = page[^1];
            }
            if (failed == 0)
            {
                stored.State.RefreshedThrough = due;
                await stored.WriteStateAsync();
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            LogRefreshed(logger, Day.Day, due, refreshed, failed, seconds);
            return failed == 0;
        }
        catch (Exception ex)
        {
            LogRefreshFailed(logger, ex, Day.Day, due, refreshed);
            return false;
        }

        async Task RefreshOne(string freelancerId)
        {
            await slots.WaitAsync();
            try
            {
                await GrainFactory.Wallet(freelancerId).Refresh();
                refreshed++;
            }
            catch (Exception ex)
            {
                if (failed++ == 0) LogWalletRefreshFailed(logger, ex, Day.Day, freelancerId);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Renewal cohort {Day}: {Refreshed} wallets refreshed through {Due} ({Failed} failed, retried at the next tick) in {Seconds:F1} s")]
    private static partial void LogRefreshed(ILogger logger, int day, DateTimeOffset due, int refreshed, int failed, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal cohort {Day}: refreshing through {Due} stopped after {Refreshed} wallets; the next tick starts again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception ex, int day, DateTimeOffset due, int refreshed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal cohort {Day}: its reminder could not be set for the next renewal; it keeps ticking until it is")]
    private static partial void LogNotRescheduled(ILogger logger, Exception ex, int day);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewal cohort {Day}: wallet {FreelancerId} could not be refreshed (the first failure of this run)")]
    private static partial void LogWalletRefreshFailed(ILogger logger, Exception ex, int day, string freelancerId);
}
