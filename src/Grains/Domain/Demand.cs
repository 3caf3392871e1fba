namespace Connects.Domain;

/// <summary>The demand signal of one category: applications in a sliding window per open job.</summary>
public sealed class Demand(DemandState state, PricingRules rules)
{
    private const int SlotsPerWindow = 24;

    public bool JobOpened(string jobId) => state.OpenJobs.Add(jobId);
    public bool JobClosed(string jobId) => state.OpenJobs.Remove(jobId);

    public void ApplicationReceived(DateTimeOffset now)
    {
        var slot = SlotOf(now);
        state.ApplicationsBySlot[slot] = state.ApplicationsBySlot.GetValueOrDefault(slot) + 1;
        Trim(now);
    }

    public CategoryDemand Measure(DateTimeOffset now)
    {
        Trim(now);
        return new CategoryDemand(state.ApplicationsBySlot.Values.Sum(), state.OpenJobs.Count, now);
    }

    private void Trim(DateTimeOffset now)
    {
        var oldest = SlotOf(now) - SlotsPerWindow + 1;
        foreach (var slot in state.ApplicationsBySlot.Keys.Where(s => s < oldest).ToList())
            state.ApplicationsBySlot.Remove(slot);
    }

    private long SlotOf(DateTimeOffset instant) => instant.UtcTicks / Math.Max(1, rules.DemandWindow.Ticks / SlotsPerWindow);
}
