using System.Diagnostics;
using Connects.Domain;
using Connects.Silo;
using Connects.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Reminders;
using Orleans.Serialization;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>What a fault test needs of a cluster: grains, the two fake clocks, the fault filter, the storage.</summary>
public interface IFaultCluster
{
    InProcessTestCluster Cluster { get; }
    IGrainFactory Grains { get; }
    FakeTimeProvider Time { get; }
    FakeTimeProvider ReminderTime { get; }
    Support.Faults Faults { get; }
    StorageFaults StorageFaults { get; }
    StorageSettings Storage { get; }
}

/// <summary>The shared <see cref="ClusterFixture"/> seen as an <see cref="IFaultCluster"/>.</summary>
public sealed class SharedCluster(ClusterFixture fx) : IFaultCluster
{
    public InProcessTestCluster Cluster => fx.Cluster;
    public IGrainFactory Grains => fx.Grains;
    public FakeTimeProvider Time => fx.Time;
    public FakeTimeProvider ReminderTime => fx.ReminderTime;
    public Support.Faults Faults => fx.Faults;
    public StorageFaults StorageFaults => fx.StorageFaults;
    public StorageSettings Storage => fx.Storage;
}

/// <summary>
/// A cluster of its own, configured like <see cref="ClusterFixture"/> (real ADO.NET storage and reminders on a
/// migrated SQLite file, the Connects rules, fake clocks, the fault filters), with a chosen number of silos, quick
/// failure detection when a test kills a silo, and any further silo settings a test needs.
/// </summary>
public sealed class FaultCluster : IFaultCluster, IAsyncDisposable
{
    /// <summary>A grain call's response timeout here unless a test sets one: Orleans' default, far above what any call takes
    /// on a 2-core machine under the whole suite's load. No fault waits for it to pass (see <see cref="Support.Faults"/>).</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDatabase _database = new();

    private FaultCluster(short silos, TimeSpan responseTimeout, bool quickFailureDetection, Action<ISiloBuilder>? configure)
    {
        ResponseTimeout = responseTimeout;
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            ClusterFixture.Wire(silo, _database.Storage, Faults, StorageFaults, Time, ReminderTime);
            silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            if (quickFailureDetection)
            {
                // A killed silo is voted dead in seconds (3 missed probes of 2 s, one vote), not the default half minute.
                // Not quicker: a live silo that a loaded 2-core machine starves for a second or two must not be voted dead
                // (told so, it stops, and the test fails with it).
                silo.Services.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(2);
                    o.NumMissedProbesLimit = 3;
                    o.NumVotesForDeathDeclaration = 1;
                });
            }
            configure?.Invoke(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.AddOutgoingGrainCallFilter(Faults);
            client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        });
        Cluster = builder.Build();
    }

    public static async Task<FaultCluster> Start(short silos, TimeSpan? responseTimeout = null, bool quickFailureDetection = false,
        Action<ISiloBuilder>? configure = null)
    {
        var cluster = new FaultCluster(silos, responseTimeout ?? DefaultResponseTimeout, quickFailureDetection, configure);
        await cluster.Cluster.DeployAsync();
        return cluster;
    }

    public TimeSpan ResponseTimeout { get; }
    public InProcessTestCluster Cluster { get; }
    public IGrainFactory Grains => Cluster.Client;
    public FakeTimeProvider Time { get; } = new(ClusterFixture.Start);
    public FakeTimeProvider ReminderTime { get; } = new(ClusterFixture.Start);
    public Support.Faults Faults { get; } = new();
    public StorageFaults StorageFaults { get; } = new();
    public StorageSettings Storage => _database.Storage;

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _database.Dispose();
    }
}

/// <summary>A two-silo <see cref="FaultCluster"/> of its own for the delay mode, so that its theory runs beside the
/// shared cluster's tests.</summary>
public sealed class DelayClusterFixture : IAsyncLifetime
{
    public FaultCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await FaultCluster.Start(2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public static class Audits
{
    /// <summary>How often an audit with findings is run again: past the default <see cref="WalletProtocolSettings.DeferredWriteDelay"/>,
    /// after which a quiet machine has stored the decided changes.</summary>
    public static readonly TimeSpan DeferredWrites = new WalletProtocolSettings().DeferredWriteDelay * 3;

    /// <summary>Runs the storage auditor (the one the admin endpoint uses) over everything the cluster stored.</summary>
    public static Task<AuditReport> Run(IFaultCluster cluster)
    {
        var serializer = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        var auditor = new Auditor(cluster.Storage, new SiloSettings { ServiceId = cluster.Cluster.Options.ServiceId }, serializer);
        return auditor.Run(cluster.Time.GetUtcNow());
    }

    /// <summary>
    /// Asserts the audit of the whole storage is clean. The storage is shared with the other tests of the
    /// cluster: a wallet of another test that holds Connects for a proposal and was not read since the shared
    /// clock moved past the hold's expiry is not settled yet (a transient state the auditor reports). Those
    /// wallets, and only those, are read (which settles them, as the next call of their freelancer would);
    /// the subjects of this test (<paramref name="mine"/>) get no such help. Any wallet, this test's too, may have
    /// captured in memory a moment ago: a decided capture is written within <see cref="WalletProtocolSettings.DeferredWriteDelay"/>
    /// (real time, later on a loaded machine), while the tests move the Connects clock past a hold's expiry in
    /// milliseconds. So an audit with findings is run again, every <see cref="DeferredWrites"/>, until it is clean or
    /// <see cref="Eventually.Deadline"/> has passed, and only what is still found then counts.
    /// </summary>
    public static async Task<AuditReport> AssertClean(IFaultCluster cluster, ITestOutputHelper output, string mine)
    {
        var report = await Run(cluster);
        var waited = Stopwatch.StartNew();
        while (!report.Clean && waited.Elapsed < Eventually.Deadline)
        {
            var others = report.Findings
                .Where(f => f.Kind is LedgerAudit.HoldExpired or LedgerAudit.RecordedNotCharged && !f.Subject.Contains(mine, StringComparison.Ordinal))
                .Select(f => f.Subject.Contains('/') ? f.Subject[(f.Subject.IndexOf('/') + 1)..] : f.Subject)
                .Distinct()
                .ToList();
            foreach (var freelancer in others)
            {
                try { await Contracts.GrainKeys.Wallet(cluster.Grains, freelancer).GetWallet(); }
                catch (Exception ex) { output.WriteLine($"settling {freelancer}: {ex.GetType().Name}"); }
            }
            await Task.Delay(DeferredWrites); // the polling interval
            report = await Run(cluster);
        }
        foreach (var finding in report.Findings) output.WriteLine($"audit finding: {finding.Kind} {finding.Subject}: {finding.Detail}");
        var t = report.Totals;
        output.WriteLine($"audit: {(report.Clean ? "clean" : "NOT clean")}, {t.Wallets} wallets, {t.Jobs} jobs, {t.Proposals} proposals, balance {t.Balance}, spent {t.Spent}, refunded {t.Refunded}");
        Assert.True(report.Clean, "The audit found: " + string.Join("; ", report.Findings.Select(f => $"{f.Kind} {f.Subject}: {f.Detail}")));
        return report;
    }
}
