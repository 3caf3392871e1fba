namespace Connects;

/// <summary>
/// Work no user waits for (a renewal cohort's refresh of its wallets, the expiry notices' pass), told apart from live calls so that its grain state
/// writes yield to theirs: the silo's state-write batcher carries them in a lane of their own, beside the live writes'
/// batches rather than in them (docs/design.md, "Storage"). The mark travels with the calls made while it is set, through
/// Orleans' request context, so a wallet refreshed by its cohort, and a job it settles a hold with, write in that lane.
/// </summary>
public static class BackgroundWork
{
    private const string Key = "connects.background";

    /// <summary>Marks the calls made from here on in this flow, and the writes they make, as background work.</summary>
    public static void Begin() => RequestContext.Set(Key, true);

    /// <summary>Whether the current flow is background work (a write made now goes in the background lane).</summary>
    public static bool IsCurrent => RequestContext.Get(Key) is true;
}
