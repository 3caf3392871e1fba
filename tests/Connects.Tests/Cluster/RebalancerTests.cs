using Connects.Contracts;
using Connects.Silo;
using Connects.Tests.Faults;
using Connects.Tests.Support;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Connects.Tests.Cluster;

/// <summary>
/// A silo added to a loaded cluster takes over wallets that were already active (Connects:Silo:RebalanceActivations):
/// with the product's rebalancer wiring, tuned small so that the test is quick, activations made before the silo joined
/// and not called since move to it. Without the rebalancer they stay where they are: new placement alone gives the new
/// silo nothing here, because nothing new is activated after it joins.
/// </summary>
public sealed class RebalancerTests(ITestOutputHelper output)
{
    private const int Wallets = 300;

    /// <summary>Cycles every 2 s (twice the silos' load-publishing period, Orleans' minimum), each moving the whole
    /// imbalance it sees, from 1 s after the worker starts.</summary>
    private static void Quick(ActivationRebalancerOptions o)
    {
        o.RebalancerDueTime = TimeSpan.FromSeconds(1);
        o.SessionCyclePeriod = TimeSpan.FromSeconds(2);
        o.CycleNumberWeight = 1;
        o.SiloNumberWeight = 0;
    }

    [Fact]
    public async Task Wallets_already_active_move_to_a_silo_added_later()
    {
        await using var c = await FaultCluster.Start(1, configure: silo => silo.AddConnectsRebalancer(Quick));
        var ids = Enumerable.Range(0, Wallets).Select(i => $"rebalance-{Guid.NewGuid():N}-{i}").ToList();
        foreach (var chunk in ids.Chunk(50))
            await Task.WhenAll(chunk.Select(id => GrainKeys.Wallet(c.Grains, id).GetWallet()));
        var first = c.Cluster.Silos[0].SiloAddress;
        var management = c.Grains.GetGrain<IManagementGrain>(0);
        Assert.True(await WalletActivations(management, first) >= Wallets, "the wallets are active on the first silo");

        var added = (await c.Cluster.StartAdditionalSiloAsync()).SiloAddress;
        // No wallet is called from here on: whatever the new silo holds was moved there, not activated there.
        var moved = 0;
        await Eventually.Until(async () =>
        {
            moved = await WalletActivations(management, added);
            return moved >= Wallets / 4;
        }, $"a quarter of {Wallets} active wallets to move to the added silo", poll: TimeSpan.FromSeconds(1));
        var stayed = await WalletActivations(management, first);
        output.WriteLine($"wallet activations: {stayed} on the first silo, {moved} on the added one");
        Assert.True(stayed + moved >= Wallets, "each wallet is still active once: moved, not lost");
    }

    private static async Task<int> WalletActivations(IManagementGrain management, SiloAddress silo) =>
        (await management.GetSimpleGrainStatistics([silo]))
            .Where(s => s.GrainType.Contains(nameof(Connects.Grains.WalletGrain), StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
}
