using System.Diagnostics.Metrics;
using Connects.Domain;

namespace Connects;

/// <summary>
/// The project's own meter (<see cref="MeterName"/>): proposals submitted and refused by reason, Connects
/// moved by kind, how late monthly refreshes are applied, holds outstanding, and grain state writes per database
/// batch. Exported with Orleans' meters by OpenTelemetry (see the hosting extension); nothing here depends on an exporter.
/// </summary>
public sealed class ConnectsMetrics
{
    public const string MeterName = "Connects";

    /// <summary>The histogram of grain state writes per database batch (see the silo's StateWriteBatcher).</summary>
    public const string StateWriteBatchSize = "connects.storage.batch.size";

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _connects;
    private readonly Histogram<double> _refreshLag;
    private readonly UpDownCounter<long> _holds;
    private readonly Histogram<int> _batchSize;

    public ConnectsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _submitted = meter.CreateCounter<long>("connects.proposals.submitted", "{proposal}", "Proposals recorded and charged");
        _refused = meter.CreateCounter<long>("connects.proposals.refused", "{proposal}", "Submissions refused, by reason");
        _connects = meter.CreateCounter<long>("connects.ledger.connects", "{connect}", "Connects moved, by ledger kind (spent, purchased, refunded, forfeited, expired, ...)");
        _refreshLag = meter.CreateHistogram<double>("connects.refresh.lag", "s", "How long after its cycle began a monthly refresh was applied");
        _holds = meter.CreateUpDownCounter<long>("connects.holds.outstanding", "{hold}", "Holds neither captured nor released");
        _batchSize = meter.CreateHistogram<int>(StateWriteBatchSize, "{write}",
            "Grain state writes per database batch (one commit each) when Connects:Storage:BatchWrites is on",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
    }

    public void Submitted() => _submitted.Add(1);

    /// <summary>A batch of <paramref name="writes"/> grain state writes went to the database as one transaction.</summary>
    public void StateWriteBatch(int writes) => _batchSize.Record(writes);

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
        _ => kind.ToString().ToLowerInvariant(),
    };
}
