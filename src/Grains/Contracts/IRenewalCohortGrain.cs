namespace Connects.Contracts;

/// <summary>
/// The wallets that renew on one day of the month (key: the day, 1-31; <see cref="Domain.RenewalDay"/>). Its one reminder
/// fires at the renewal instant and it refreshes every wallet of the day durably, at a pace, reading them from the
/// renewal roll. Wallets still refresh lazily on any call; the cohort brings the idle ones up to date.
/// </summary>
[Alias("Connects.IRenewalCohortGrain")]
public interface IRenewalCohortGrain : IGrainWithIntegerKey
{
    /// <summary>Sets the reminder for the next renewal if it is not set, and starts refreshing the cohort's wallets if a
    /// renewal has passed that they were not all refreshed for. Answers at once; the refresh goes on in the background.</summary>
    [Alias("Wake")] Task Wake();

    /// <summary>The latest renewal instant through which every wallet of the cohort has been refreshed, or null.</summary>
    [Alias("RefreshedThrough")] Task<DateTimeOffset?> RefreshedThrough();
}
