using System.ComponentModel.DataAnnotations;

namespace Connects;

/// <summary>
/// How the wallet and job grains run the submission protocol and the monthly refresh: timers, the reminder and pacing.
/// Operations knobs, not business rules (those are <see cref="WalletRules"/>): no balance or price depends on them, and
/// the domain never reads them. Bound from the same section as <see cref="WalletRules"/>, <c>Connects:Wallet</c>, so
/// every key keeps its name (e.g. <c>Connects:Wallet:DeferredWriteDelay</c>).
/// </summary>
public sealed class WalletProtocolSettings
{
    public const string Section = WalletRules.Section;

    /// <summary>
    /// How long a wallet's capture, decided once the job's record is durable, may stay in memory before a timer writes it
    /// (default 200 ms). Any earlier write of the wallet takes it along; a crash before it loses nothing: the stored hold is
    /// settled with the job (see docs/design.md, "one durable write"). Longer lets more captures ride on the next write.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")] public TimeSpan DeferredWriteDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a proposal record may stay provisional (its wallet has not vouched for the hold behind it) before its
    /// job asks the wallet whether it paid (default 5 s, well past a submission's round trip). The job looks every
    /// period and asks about records it already saw unvouched the period before: between one and two periods.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan ProvisionalRecordAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Refreshes started by a wallet's own reminder (wallets opened before renewal cohorts, until their next tick
    /// moves them to their cohort) that run at once in one silo; the rest wait (live calls never do).</summary>
    [Range(1, 10_000)] public int ReminderRefreshConcurrency { get; set; } = 8;

    /// <summary>Period of each renewal cohort's durable reminder. It is set to fire at the cohort's next renewal instant and
    /// ticks every period after it; a tick that finds every wallet of the cohort refreshed does nothing.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "31.00:00:00")] public TimeSpan RefreshReminderPeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often a renewal cohort's reminder ticks while a renewal that has passed is not done (default 1 minute,
    /// Orleans' shortest reminder period): a refresh cut short, by its silo's death or a wallet that did not answer, is
    /// taken up again within this period, on whichever silo the cohort then lives.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")] public TimeSpan RenewalRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wallets a renewal cohort (and the expiry notices' pass) refreshes at a time, across the cluster: its pace.
    /// Each refresh is one wallet call and at most one write, in the background lane (<see cref="BackgroundWork"/>); the
    /// rest of the cluster's capacity stays with live calls. Unset, it depends on the storage
    /// (<see cref="PacedRefreshes"/>): 16 on SQLite, whose one writer more refreshes at once only queue at, and 64 on
    /// PostgreSQL, where 64 at a time refreshed 101,000 wallets in half the time of 16 with live calls' p99 no worse
    /// (docs/performance.md, "S5: a background lane").</summary>
    [Range(1, 10_000)] public int? CohortRefreshConcurrency { get; set; }

    /// <summary>The default <see cref="CohortRefreshConcurrency"/> on SQLite.</summary>
    public const int SqliteCohortRefreshConcurrency = 16;

    /// <summary>The default <see cref="CohortRefreshConcurrency"/> on PostgreSQL.</summary>
    public const int PostgreSqlCohortRefreshConcurrency = 64;

    /// <summary>The refreshes a cohort or the expiry notices' pass runs at a time: <see cref="CohortRefreshConcurrency"/>,
    /// which the silo's storage sets when the configuration does not (the SQLite default for a silo that did neither).</summary>
    public int PacedRefreshes => CohortRefreshConcurrency ?? SqliteCohortRefreshConcurrency;

    /// <summary>How often the expiry notice roll is read for notices fallen due (default 1 hour): an idle wallet's expiring
    /// event comes at most this late. One reminder for the cluster, not one per wallet.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")] public TimeSpan ExpiryNoticeScanPeriod { get; set; } = TimeSpan.FromHours(1);
}
