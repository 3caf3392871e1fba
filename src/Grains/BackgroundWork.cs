namespace Connects;

/// <summary>
/// Work no user waits for (a renewal cohort's refresh of its wallets, the expiry notices' pass), told apart from live
/// calls so that its writes yield to theirs: the silo's state-write batcher and the events table's group commit carry
/// them in a lane of their own, beside the live writes' batches rather than in them (docs/design.md, "Grain-state writes
/// in batches"). The mark travels with the calls made while it is set, through Orleans' request context, so a wallet
/// refreshed by its cohort, and a job it settles a hold with, write in that lane. A write that carries live changes too
/// (a job's group commit that a background call started) goes in the lane of the call that started it.
/// </summary>
public static class BackgroundWork
{
    private const string Key = "connects.background";

    /// <summary>Marks the calls made from here on in this flow, and the writes they make, as background work.</summary>
    public static void Begin() => RequestContext.Set(Key, true);

    /// <summary>Whether the current flow is background work (a write made now goes in the background lane).</summary>
    public static bool IsCurrent => RequestContext.Get(Key) is true;
}
