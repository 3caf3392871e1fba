namespace Connects.Domain;

/// <summary>
/// One monthly cycle of a wallet. Cycle 0 starts at the billing anchor (the instant the wallet
/// opened); cycle n starts at midnight n calendar months later on the anchor's day, or on the last day of a
/// shorter month (an anchor on the 31st renews on Feb 28/29, Apr 30, ...). All times are UTC.
/// Cycles renew on the day, not at the opening's time of day, so every wallet opened on one day of the
/// month renews at one instant: the cohort that one reminder refreshes (<see cref="RenewalDay"/>).
/// </summary>
public readonly record struct BillingCycle(int Index, DateTimeOffset Start, DateTimeOffset End)
{
    public static BillingCycle Of(DateTimeOffset anchor, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new BillingCycle(index, StartOf(anchor, index), StartOf(anchor, index + 1));
    }

    /// <summary>The cycle that contains <paramref name="instant"/> (cycle 0 for instants before the anchor).</summary>
    public static BillingCycle At(DateTimeOffset anchor, DateTimeOffset instant)
    {
        if (instant <= anchor) return Of(anchor, 0);
        var a = anchor.UtcDateTime;
        var i = instant.UtcDateTime;
        var guess = Math.Max(0, (i.Year - a.Year) * 12 + i.Month - a.Month);
        while (guess > 0 && StartOf(anchor, guess) > instant) guess--;
        while (StartOf(anchor, guess + 1) <= instant) guess++;
        return Of(anchor, guess);
    }

    private static DateTimeOffset StartOf(DateTimeOffset anchor, int index)
    {
        if (index == 0) return anchor;
        var a = anchor.UtcDateTime;
        var monthNumber = a.Month - 1 + index;
        return RenewalDay.In(a.Day, a.Year + monthNumber / 12, monthNumber % 12 + 1);
    }
}
