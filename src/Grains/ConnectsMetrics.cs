using System.Diagnostics.Metrics;
using Connects.Domain;

namespace Connects;

/// <summary>
/// The project's own meter (<see cref="MeterName"/>): proposals submitted and refused by reason, Connects
/// moved by kind, how late monthly refreshes are applied, holds outstanding, grain state writes per database
/// batch and the writes that failed, reminder ticks, silos voted dead, the silos of the membership by status and the
/// latest audit's result. Exported with Orleans' meters by OpenTelemetry (see the hosting extension); nothing here
/// depends on an exporter. The counters an alert waits on start at zero (a series exists before the first event), so a
/// query names them from the start and an alert on "no increase" has something to read.
/// </summary>
public sealed class ConnectsMetrics
{
    public const string MeterName = "Connects";

    /// <summary>The histogram of grain state writes per database batch (see the silo's StateWriteBatcher).</summary>
    public const string StateWriteBatchSize = "connects.storage.batch.size";

    /// <summary>The counter of grain state writes failed with their database batch.</summary>
    public const string StateWriteErrors = "connects.storage.write.errors";

    /// <summary>The renewal cohorts' reminder (one per day of the month, ticking daily), the one whose ticks an alert watches.</summary>
    public const string RefreshReminder = Grains.RenewalCohortGrain.Reminder;

    /// <summary>Bucket bounds of the refresh lag (seconds): the alert's one hour is a bound, so its quantile is exact there.</summary>
    public static readonly IReadOnlyList<double> RefreshLagBuckets = [1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 86400];

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _connects;
    private readonly Histogram<double> _refreshLag;
    private readonly UpDownCounter<long> _holds;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _writeErrors;
    private readonly Counter<long> _reminderTicks;
    private readonly Counter<long> _declaredDead;
    private readonly Meter _meter;

    public ConnectsMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        _submitted = meter.CreateCounter<long>("connects.proposals.submitted", "{proposal}", "Proposals recorded and charged");
        _refused = meter.CreateCounter<long>("connects.proposals.refused", "{proposal}", "Submissions refused, by reason");
        _connects = meter.CreateCounter<long>("connects.ledger.connects", "{connect}", "Connects moved, by ledger kind (spent, purchased, refunded, forfeited, expired, ...)");
        _refreshLag = meter.CreateHistogram<double>("connects.refresh.lag", "s", "How long after its cycle began a monthly refresh was applied",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RefreshLagBuckets });
        _holds = meter.CreateUpDownCounter<long>("connects.holds.outstanding", "{hold}", "Holds neither captured nor released");
        _batchSize = meter.CreateHistogram<int>(StateWriteBatchSize, "{write}",
            "Grain state writes per database batch (one commit each) when Connects:Storage:BatchWrites is on",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        _writeErrors = meter.CreateCounter<long>(StateWriteErrors, "{write}",
            "Grain state writes that failed because their database batch failed (Connects:Storage:BatchWrites)");
        _reminderTicks = meter.CreateCounter<long>("connects.reminder.ticks", "{tick}", "Reminder ticks received by grains, by reminder");
        _declaredDead = meter.CreateCounter<long>("connects.cluster.silos.declared.dead", "{silo}",
            "Silos this silo saw go from active to dead without shutting down: voted dead by the cluster");
        _writeErrors.Add(0);
        _reminderTicks.Add(0, new KeyValuePair<string, object?>("reminder", RefreshReminder));
        _declaredDead.Add(0);
    }

    /// <summary>A database batch of <paramref name="writes"/> grain state writes failed as a whole: each write failed.</summary>
    public void StateWritesFailed(int writes)
    {
        if (writes > 0) _writeErrors.Add(writes);
    }

    /// <summary>A grain received a tick of reminder <paramref name="reminder"/>.</summary>
    public void ReminderTick(string reminder) => _reminderTicks.Add(1, new KeyValuePair<string, object?>("reminder", reminder));

    /// <summary>The cluster declared <paramref name="silos"/> silos dead that had been active (not a graceful shutdown).</summary>
    public void SilosDeclaredDead(int silos)
    {
        if (silos > 0) _declaredDead.Add(silos);
    }

    /// <summary>Publishes the silos of the membership by status (<c>connects.cluster.silos{status}</c>) as <paramref name="silosByStatus"/>
    /// reports them at each collection.</summary>
    public void ObserveMembership(Func<IReadOnlyDictionary<string, int>> silosByStatus) =>
        _meter.CreateObservableGauge("connects.cluster.silos",
            () => silosByStatus().Select(s => new Measurement<int>(s.Value, new KeyValuePair<string, object?>("status", s.Key))),
            "{silo}", "Silos in this silo's view of the membership, by status (active, joining, shutting-down, dead, ...)");

    /// <summary>Publishes the latest audit's result, as <paramref name="latest"/> reports it at each collection (nothing before the first
    /// audit): <c>connects.audit.findings</c> and <c>connects.audit.last_run.timestamp</c> (Unix seconds).</summary>
    public void ObserveAudit(Func<AuditObservation?> latest)
    {
        _meter.CreateObservableGauge("connects.audit.findings",
            () => latest() is { } run ? [new Measurement<long>(run.Findings)] : Array.Empty<Measurement<long>>(),
            "{finding}", "Findings of the latest audit (0 when clean)");
        _meter.CreateObservableGauge("connects.audit.last_run.timestamp",
            () => latest() is { } run ? [new Measurement<double>(run.At.ToUnixTimeMilliseconds() / 1000.0)] : Array.Empty<Measurement<double>>(),
            "s", "When the latest audit finished (Unix time)");
    }

    public void Submitted() => _submitted.Add(1);

    /// <summary>A batch of <paramref name="writes"/> grain state writes went to the database as one transaction, in the
    /// live writes' lane or in background work's (<see cref="BackgroundWork"/>): tag <c>lane</c>, <c>live</c> or <c>background</c>.</summary>
    public void StateWriteBatch(int writes, bool background = false) =>
        _batchSize.Record(writes, new KeyValuePair<string, object?>("lane", background ? "background" : "live"));

    public void Refused(Contracts.SubmissionOutcome outcome) => _refused.Add(1, new KeyValuePair<string, object?>("reason", outcome switch
    {
        Contracts.SubmissionOutcome.InsufficientConnects => Refusals.InsufficientConnects,
        Contracts.SubmissionOutcome.PriceChanged => Refusals.PriceChanged,
        Contracts.SubmissionOutcome.JobNotOpen => Refusals.JobNotOpen,
        Contracts.SubmissionOutcome.JobNotFound => Refusals.JobNotFound,
        Contracts.SubmissionOutcome.AuctionClosed => Refusals.AuctionClosed,
        _ => Refusals.WalletNotOpen,
    }));

    public void HoldsChanged(int delta)
    {
        if (delta != 0) _holds.Add(delta);
    }

    /// <summary>Counts the entries a wallet just made durable.</summary>
    public void Recorded(IEnumerable<LedgerEntry> entries, DateTimeOffset now)
    {
        foreach (var entry in entries)
        {
            var amount = entry.Kind == LedgerKind.Rollover ? entry.Quantity : Math.Abs(entry.Amount);
            if (amount > 0) _connects.Add(amount, new KeyValuePair<string, object?>("kind", KindName(entry.Kind)));
            if (entry.Kind == LedgerKind.MonthlyRefresh) _refreshLag.Record(Math.Max(0, (now - entry.At).TotalSeconds));
        }
    }

    private static string KindName(LedgerKind kind) => kind switch
    {
        LedgerKind.MonthlyRefresh => "monthly-refresh",
        LedgerKind.BoostBid => "boost-bid",
        LedgerKind.BoostReturned => "boost-returned",
        LedgerKind.BoostRefunded => "boost-refunded",
        LedgerKind.LowBalance => "low-balance",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
