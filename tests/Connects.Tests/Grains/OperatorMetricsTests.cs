using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Connects.Contracts;
using Connects.Domain;
using Connects.Silo;
using Connects.Tests.Faults;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Tests.Grains;

/// <summary>The metrics the operators' dashboards and alerts read (deploy/grafana, deploy/prometheus) that the project adds itself.</summary>
public sealed class OperatorMetricsTests
{
    /// <summary>Every measurement of the project's meter in the meters <c>mine</c> accepts (a process's factory), by instrument name.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Recorder(Func<Meter, bool> mine)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ConnectsMetrics.MeterName && mine(instrument.Meter)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

        public void Collect() => _listener.RecordObservableInstruments();

        public List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
            Measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags)).ToList();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            Measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

        public void Dispose() => _listener.Dispose();
    }

    private static (ConnectsMetrics Metrics, Recorder Recorder, ServiceProvider Services) Fresh()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var recorder = new Recorder(meter => ReferenceEquals(meter.Scope, factory));
        return (new ConnectsMetrics(factory), recorder, services);
    }

    [Fact]
    public void The_counters_alerts_wait_on_exist_at_zero_before_their_first_event()
    {
        var (_, recorder, services) = Fresh();
        using (services)
        using (recorder)
        {
            Assert.Equal([0.0], recorder.Of("connects.storage.write.errors").Select(m => m.Value));
            Assert.Equal([0.0], recorder.Of("connects.cluster.silos.declared.dead").Select(m => m.Value));
            var tick = Assert.Single(recorder.Of("connects.reminder.ticks"));
            Assert.Equal((0.0, "renewal"), (tick.Value, tick.Tags["reminder"]));
        }
    }

    [Fact]
    public void Failed_writes_ticks_and_dead_silos_are_counted_and_zero_changes_nothing()
    {
        var (metrics, recorder, services) = Fresh();
        using (services)
        using (recorder)
        {
            metrics.StateWritesFailed(5);
            metrics.StateWritesFailed(0);
            metrics.SilosDeclaredDead(2);
            metrics.SilosDeclaredDead(0);
            metrics.ReminderTick(ConnectsMetrics.RefreshReminder);
            Assert.Equal(5, recorder.Of("connects.storage.write.errors").Sum(m => m.Value));
            Assert.Equal(2, recorder.Of("connects.cluster.silos.declared.dead").Sum(m => m.Value));
            Assert.Equal(2, recorder.Of("connects.storage.write.errors").Count); // the zero it started with, then 5
            Assert.Equal(1, recorder.Of("connects.reminder.ticks").Sum(m => m.Value));
        }
    }

    [Fact]
    public void The_refresh_lag_histogram_has_a_bucket_bound_at_the_alerts_one_hour()
    {
        Assert.Contains(3600.0, ConnectsMetrics.RefreshLagBuckets);
        Assert.Equal(ConnectsMetrics.RefreshLagBuckets.Order(), ConnectsMetrics.RefreshLagBuckets);
    }

    /// <summary>cluster.sh status and the silo-voted-dead alert name Orleans' membership statuses by these numbers.</summary>
    [Fact]
    public void Orleans_membership_statuses_are_the_numbers_the_operators_tools_name()
    {
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], new[] { SiloStatus.None, SiloStatus.Created, SiloStatus.Joining, SiloStatus.Active,
            SiloStatus.ShuttingDown, SiloStatus.Stopping, SiloStatus.Dead }.Select(s => (int)s));
        Assert.Equal(7, Enum.GetValues<SiloStatus>().Length);
        var counts = MembershipMetrics.ByStatus([SiloStatus.Active, SiloStatus.Active, SiloStatus.Dead, SiloStatus.ShuttingDown]);
        Assert.Equal(2, counts["active"]);
        Assert.Equal(1, counts["dead"]);
        Assert.Equal(1, counts["shutting-down"]);
        Assert.Equal(0, counts["joining"]);
        Assert.Equal(7, counts.Count);
    }

    [Fact]
    public void Only_a_silo_that_goes_from_active_to_dead_counts_as_voted_dead()
    {
        var before = new Dictionary<string, SiloStatus> { ["a"] = SiloStatus.Active, ["b"] = SiloStatus.ShuttingDown, ["c"] = SiloStatus.Active, ["d"] = SiloStatus.Stopping };
        var after = new Dictionary<string, SiloStatus> { ["a"] = SiloStatus.Dead, ["b"] = SiloStatus.Dead, ["c"] = SiloStatus.Active, ["d"] = SiloStatus.Dead, ["e"] = SiloStatus.Dead };
        Assert.Equal(1, MembershipMetrics.VotedDead(before, after));
        Assert.Equal(0, MembershipMetrics.VotedDead(after, after));
    }

    [Fact]
    public void The_latest_audit_recorded_is_what_the_metrics_publish()
    {
        using var database = new TempDatabase();
        var runs = new AuditRuns(database.Storage, new SiloSettings());
        var (metrics, recorder, services) = Fresh();
        using (services)
        using (recorder)
        {
            AuditObservation? latest = null;
            metrics.ObserveAudit(() => latest);
            recorder.Collect();
            Assert.Empty(recorder.Of("connects.audit.findings"));

            Assert.Null(runs.Latest());
            var first = new DateTimeOffset(2027, 2, 1, 3, 0, 0, TimeSpan.Zero);
            runs.Record(2, first);
            runs.Record(0, first.AddDays(1));
            latest = runs.Latest();
            Assert.Equal(new AuditObservation(0, first.AddDays(1)), latest);
            recorder.Collect();
            Assert.Equal([0.0], recorder.Of("connects.audit.findings").Select(m => m.Value));
            Assert.Equal([first.AddDays(1).ToUnixTimeSeconds()], recorder.Of("connects.audit.last_run.timestamp").Select(m => m.Value));
            // Another service's audit is not this one's.
            Assert.Null(new AuditRuns(database.Storage, new SiloSettings { ServiceId = "other" }).Latest());
        }
    }

    /// <summary>The renewal cohorts' reminders are what refreshes wallets: their ticks are what the ReminderTicksMissing alert counts.</summary>
    [Fact]
    public async Task A_renewal_cohorts_reminder_tick_is_counted_by_the_silo_it_ran_on()
    {
        await using var cluster = await FaultCluster.Start(1);
        var factory = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IMeterFactory>();
        using var recorder = new Recorder(meter => ReferenceEquals(meter.Scope, factory));
        double Ticks() => recorder.Of("connects.reminder.ticks").Where(m => Equals(m.Tags["reminder"], ConnectsMetrics.RefreshReminder)).Sum(m => m.Value);
        await cluster.Grains.Wallet("ticker").Open(Plan.Basic);
        Assert.Equal(0, Ticks());
        // The silo woke the 31 cohorts at start; the next renewal instant (day 1's midnight) is hours of reminder time away.
        await Eventually.Until(() =>
        {
            cluster.ReminderTime.Advance(TimeSpan.FromHours(1));
            return Task.FromResult(Ticks() >= 1);
        }, "a renewal cohort's reminder tick", poll: TimeSpan.FromMilliseconds(200));
    }
    /// <summary>A renewal cohort's refresh is background work: its wallets' writes go in batches of the background lane,
    /// beside live writes rather than ahead of them; a call someone waits for writes in the live lane.</summary>
    [Fact]
    public async Task A_renewal_cohorts_refresh_writes_in_the_background_lane_and_a_call_in_the_live_one()
    {
        await using var c = await FaultCluster.Start(1);
        var factory = c.Cluster.Silos[0].ServiceProvider.GetRequiredService<IMeterFactory>();
        using var recorder = new Recorder(meter => ReferenceEquals(meter.Scope, factory));
        double Writes(string lane) => recorder.Of(ConnectsMetrics.StateWriteBatchSize).Where(m => Equals(m.Tags["lane"], lane)).Sum(m => m.Value);
        var wallets = Enumerable.Range(0, 3).Select(i => c.Grains.Wallet($"lane-{i}")).ToList();
        var anchor = (await wallets[0].Open(Plan.Basic)).Wallet.BillingAnchor;
        foreach (var other in wallets.Skip(1)) await other.Open(Plan.Basic);
        Assert.True(Writes("live") >= wallets.Count, "opening a wallet is a live write");
        Assert.Equal(0, Writes("background"));

        c.Time.Advance(BillingCycle.Of(anchor, 1).Start + TimeSpan.FromMinutes(1) - c.Time.GetUtcNow());
        var cohort = c.Grains.RenewalCohort(RenewalDay.Of(anchor));
        var liveBefore = Writes("live");
        await cohort.Wake();
        await Eventually.Until(async () => await cohort.RefreshedThrough() >= BillingCycle.Of(anchor, 1).Start, "the cohort's refresh");
        // Each wallet's refresh and the cohort's own mark, all in the background lane.
        Assert.True(Writes("background") >= wallets.Count + 1, $"{Writes("background")} background writes");
        Assert.Equal(liveBefore, Writes("live"));

        // A call after the refresh is live again (the mark went with the cohort's calls, not with the wallets).
        await wallets[0].Grant("lane-after-refresh", 5, "a grant after the refresh", null);
        Assert.True(Writes("live") > liveBefore, "a grant is a live write");
    }
}
