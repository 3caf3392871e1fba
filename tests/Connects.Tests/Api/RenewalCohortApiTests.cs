using System.Net;
using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Connects.Tests.Api;

/// <summary>Its own service, as <see cref="SandboxClockTests"/>: the sandbox clock's move reaches the renewal cohorts.</summary>
public sealed class RenewalCohortApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Http => api.Client;

    [Fact]
    public async Task Moving_the_sandbox_clock_past_a_renewal_has_the_cohort_refresh_its_wallets_without_a_call_to_them()
    {
        var opened = await Http.OpenWallet("s-idle", "basic");
        var anchor = opened.GetProperty("billingAnchor").GetDateTimeOffset();
        var grains = api.Factory.Services.GetRequiredService<IGrainFactory>();
        var cohort = grains.RenewalCohort(RenewalDay.Of(anchor));

        var moved = await Http.PostJson("/v1/sandbox/clock", """{"advanceBy":"P62D"}""").Expect(HttpStatusCode.OK);

        // The cohort was woken by the move: it refreshes through the latest renewal before the new time, by itself.
        var latest = RenewalDay.Of(anchor).LatestAtOrBefore(moved.GetProperty("now").GetDateTimeOffset());
        await Eventually.Until(async () => await cohort.RefreshedThrough() == latest, "the renewal cohort to refresh its wallets");
        Assert.True(latest > BillingCycle.Of(anchor, 1).Start);
        // And the wallet's new cycle is stored, though nothing has called the wallet since it opened.
        var storage = api.Factory.Services.GetRequiredKeyedService<IGrainStorage>(ConnectsStorage.Name);
        var stored = new GrainState<WalletState>();
        await storage.ReadStateAsync("wallet", grains.Wallet("s-idle").GetGrainId(), stored);
        Assert.Equal(BillingCycle.At(anchor, latest).Index, stored.State?.Cycle);
    }
}
