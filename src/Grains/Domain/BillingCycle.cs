namespace Connects.Domain;

/// <summary>
/// One monthly cycle of a wallet. Cycle 0 starts at the billing anchor (the instant the wallet
/// opened); cycle n starts n calendar months later on the anchor's day, or on the last day of a
/// shorter month (an anchor on the 31st renews on Feb 28/29, Apr 30, ...). All times are UTC.
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
        var a = anchor.UtcDateTime;
        var monthNumber = a.Month - 1 + index;
        var year = a.Year + monthNumber / 12;
        var month = monthNumber % 12 + 1;
        var day = Math.Min(a.Day, DateTime.DaysInMonth(year, month));
        return new DateTimeOffset(new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc) + a.TimeOfDay, TimeSpan.Zero);
    }
}
