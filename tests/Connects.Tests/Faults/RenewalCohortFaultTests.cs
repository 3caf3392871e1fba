using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Connects.Tests.Faults;

/// <summary>
/// A renewal cohort's refresh cut short must be taken up again by its reminder alone, within the retry period, on a new
/// activation: what happens when the silo running it dies (the activation and its refresh are gone) or a wallet does not
/// answer. Nothing else calls the cohort or its wallets meanwhile.
/// </summary>
public sealed class RenewalCohortFaultTests
{
    [Fact]
    public async Task A_refresh_cut_short_is_taken_up_again_by_the_cohorts_reminder_within_the_retry_period()
    {
        await using var c = await FaultCluster.Start(1);
        var wallets = Enumerable.Range(0, 3).Select(i => c.Grains.Wallet($"cut-short-{i}")).ToList();
        var anchor = (await wallets[0].Open(Plan.Basic)).Wallet.BillingAnchor;
        foreach (var other in wallets.Skip(1)) await other.Open(Plan.Basic);
        var renewal = BillingCycle.Of(anchor, 1).Start;
        c.Time.Advance(renewal + TimeSpan.FromMinutes(1) - c.Time.GetUtcNow());

        // The wake a sandbox clock move or a silo start gives; one wallet does not answer this run.
        var cohort = c.Grains.RenewalCohort(RenewalDay.Of(anchor));
        c.Faults.FailBefore("IWalletGrain.Refresh", "freelancer:cut-short-1");
        await cohort.Wake();
        await Eventually.Until(() => Task.FromResult(c.Faults.Fired == 1), "the wallet's refresh to fail");
        // The run ends without marking the renewal done, and its activation goes, as with its silo.
        await Eventually.Until(async () => (await Stored(c, wallets[2])).Cycle >= 1, "the run to reach the last wallet");
        await c.Cluster.DeactivateAsync(cohort);
        Assert.False(await cohort.RefreshedThrough() >= renewal, "a renewal with a wallet not refreshed is not done");
        Assert.Equal(0, (await Stored(c, wallets[1])).Cycle);

        // Only the reminder's clock moves now, a retry period at a time; a month would pass before the next renewal.
        var retry = new WalletProtocolSettings().RenewalRetryPeriod;
        await Eventually.Until(async () =>
        {
            c.ReminderTime.Advance(retry);
            return await cohort.RefreshedThrough() >= renewal;
        }, "the cohort's reminder to take the refresh up again", poll: TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, (await Stored(c, wallets[1])).Cycle);
        Assert.Equal(10, (await Stored(c, wallets[1])).Balance);
        Assert.Equal(1, c.Faults.Fired);
    }

    private static async Task<WalletState> Stored(FaultCluster c, IWalletGrain wallet)
    {
        var storage = c.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
        var stored = new GrainState<WalletState>();
        await storage.ReadStateAsync("wallet", wallet.GetGrainId(), stored);
        return stored.State ?? new WalletState();
    }
}
