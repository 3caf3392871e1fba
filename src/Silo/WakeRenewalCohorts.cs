using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.Logging;

namespace Connects.Silo;

/// <summary>
/// At silo start, wakes the 31 renewal cohorts and the expiry notice grain (<see cref="Connects.Grains.ExpiryNoticeGrain"/>, likewise): each sets its reminder if it has none and refreshes a renewal it missed
/// (the cluster was down at the instant, say). It wakes each webhook endpoint's delivery too, so that a restarted cluster
/// delivers at once rather than at its next reminder. Every silo does it; a wake is idempotent. A cohort that cannot be woken
/// now does not stop the silo: its reminder, or the next silo start, wakes it.
/// </summary>
public sealed partial class WakeRenewalCohorts(IGrainFactory grains, ILogger<WakeRenewalCohorts> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(RenewalDay.All.Select(day => grains.RenewalCohort(day).Wake()).Append(grains.ExpiryNotices().Wake()).Append(grains.Webhooks().Wake()));
        }
        catch (Exception ex)
        {
            LogNotWoken(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every renewal cohort (or the expiry notice grain, or a webhook delivery) could be woken at start; their reminders will")]
    private static partial void LogNotWoken(ILogger logger, Exception ex);
}
