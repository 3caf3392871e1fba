using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// Demand in one job category. Open jobs are persisted (they change rarely); application counts are
/// a soft signal kept in memory and persisted only with the next open/close, so an application costs no write.
/// </summary>
public sealed class CategoryDemandGrain(
    [PersistentState("demand", ConnectsStorage.Name)] IPersistentState<DemandState> stored,
    IOptions<PricingRules> pricing,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock) : Grain, ICategoryDemandGrain
{
    private Demand Demand => new(stored.State, pricing.Value);

    public async Task JobOpened(string jobId)
    {
        if (Demand.JobOpened(jobId)) await stored.WriteStateAsync();
    }

    public async Task JobClosed(string jobId)
    {
        if (Demand.JobClosed(jobId)) await stored.WriteStateAsync();
    }

    public Task ApplicationReceived()
    {
        Demand.ApplicationReceived(clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<CategoryDemand> Measure() => Task.FromResult(Demand.Measure(clock.GetUtcNow()));
}
