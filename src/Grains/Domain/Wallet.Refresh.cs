namespace Connects.Domain;

/// <summary>
/// The billing cycle and the monthly refresh, in one place.
/// <list type="bullet">
/// <item><b>The cycle.</b> A wallet's cycles start at its billing anchor, the instant it opened, and renew on the anchor's
/// day of each month (the last day of a shorter month): <see cref="BillingCycle"/> computes the dates.</item>
/// <item><b>At a cycle's end</b> (<see cref="Advance"/>, in time order with expiries): purchased and granted Connects expiring
/// by then expire; unused monthly Connects roll over on Plus up to <see cref="WalletRules.PlusRolloverCap"/> in all (the rest,
/// and everything on Basic including earlier rollover, is forfeited); a downgrade made during the cycle takes effect; the
/// plan's allotment (<see cref="WalletRules.BasicMonthlyConnects"/>, <see cref="WalletRules.PlusMonthlyConnects"/>) arrives,
/// expiring at the next cycle's end. Each step is a ledger entry dated at the boundary.</item>
/// <item><b>Lazily and once.</b> <see cref="Advance"/> applies whatever fell due up to now and is idempotent, so every call
/// and activation of the wallet grain runs it, and a reminder only brings idle wallets up to date.</item>
/// <item><b>Plan changes</b> (<see cref="ChangePlan"/>): an upgrade takes effect at once and grants the allotment difference
/// for the current cycle, once per cycle; a downgrade waits for the cycle's end.</item>
/// </list>
/// </summary>
public sealed partial class Wallet
{
    /// <summary>
    /// Applies everything that fell due up to <paramref name="now"/>, in time order: expiries,
    /// cycle ends (rollover or forfeit) and monthly refreshes. Idempotent: a second call with the
    /// same or an earlier instant changes nothing. Returns whether anything changed.
    /// </summary>
    public bool Advance(DateTimeOffset now)
    {
        var changed = false;
        while (true)
        {
            var boundary = CurrentCycle.End;
            var nextExpiry = state.Buckets
                .Where(b => b.ExpiresAt is { } e && e < boundary && e <= now)
                .Select(b => b.ExpiresAt!.Value)
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min();
            if (nextExpiry != DateTimeOffset.MaxValue)
            {
                ExpireBuckets(b => b.ExpiresAt == nextExpiry, nextExpiry);
                changed = true;
                continue;
            }
            if (boundary > now) return changed;
            CloseCycle(boundary);
            changed = true;
        }
    }

    private void CloseCycle(DateTimeOffset boundary)
    {
        var closing = state.Cycle;
        ExpireBuckets(b => b.Source != BucketSource.Monthly && b.ExpiresAt <= boundary, boundary);

        var unused = TakeBuckets(b => b.Source == BucketSource.Monthly);
        var rollover = state.Buckets.FirstOrDefault(b => b.Source == BucketSource.Rollover);
        if (state.Plan == Plan.Plus)
        {
            var room = Math.Max(0, rules.PlusRolloverCap - (rollover?.Amount ?? 0));
            var rolled = Math.Min(unused, room);
            if (rolled > 0)
            {
                AddToBuckets(new Slice(BucketSource.Rollover, rolled, null));
                Record(boundary, LedgerKind.Rollover, 0, $"cycle-{closing}", closing, rolled);
            }
            if (unused - rolled > 0)
                Record(boundary, LedgerKind.Forfeit, -(unused - rolled), $"cycle-{closing}", closing, note: "over rollover cap");
        }
        else
        {
            var forfeited = unused + TakeBuckets(b => b.Source == BucketSource.Rollover);
            if (forfeited > 0)
                Record(boundary, LedgerKind.Forfeit, -forfeited, $"cycle-{closing}", closing, note: "unused monthly connects");
        }

        state.Cycle = closing + 1;
        if (state.NextPlan is { } next)
        {
            state.Plan = next;
            state.NextPlan = null;
        }
        var allotment = rules.MonthlyConnects(state.Plan);
        if (allotment > 0)
        {
            AddToBuckets(new Slice(BucketSource.Monthly, allotment, CurrentCycle.End));
            Record(boundary, LedgerKind.MonthlyRefresh, allotment, $"cycle-{state.Cycle}");
        }
    }

    /// <summary>Upgrades take effect at once and grant the allotment difference for the current
    /// cycle (once per cycle); downgrades take effect when the current cycle ends.</summary>
    public void ChangePlan(Plan plan, DateTimeOffset now)
    {
        if (plan == Plan.Basic)
        {
            state.NextPlan = state.Plan == Plan.Plus ? Plan.Basic : null;
            return;
        }
        state.NextPlan = null;
        if (state.Plan == Plan.Plus) return;
        state.Plan = Plan.Plus;
        var difference = rules.PlusMonthlyConnects - rules.BasicMonthlyConnects;
        if (difference > 0 && state.UpgradeGrantedCycle != state.Cycle)
        {
            state.UpgradeGrantedCycle = state.Cycle;
            AddToBuckets(new Slice(BucketSource.Monthly, difference, CurrentCycle.End));
            Record(now, LedgerKind.Grant, difference, $"plan-upgrade:cycle-{state.Cycle}", note: "upgrade to plus");
        }
    }

    /// <summary>Connects that will not survive the end of the current cycle: all monthly ones on
    /// Basic, the part over the rollover cap on Plus.</summary>
    private int LeavingAtCycleEnd()
    {
        var monthly = state.Buckets.Where(b => b.Source == BucketSource.Monthly).Sum(b => b.Amount);
        var rollover = state.Buckets.Where(b => b.Source == BucketSource.Rollover).Sum(b => b.Amount);
        return state.Plan == Plan.Plus ? Math.Max(0, monthly - Math.Max(0, rules.PlusRolloverCap - rollover)) : monthly + rollover;
    }
}
