namespace Connects.Domain;

/// <summary>
/// The wallets whose billing anchor falls on one day of the month (1–31): they all renew at midnight UTC on that day,
/// or on the last day of a shorter month (<see cref="BillingCycle"/>). One reminder per renewal day refreshes them
/// (the refresh cohort), so the reminder table holds 31 rows however many wallets there are.
/// </summary>
public readonly record struct RenewalDay
{
    public RenewalDay(int day)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(day, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(day, 31);
        Day = day;
    }

    public int Day { get; }

    public static IEnumerable<RenewalDay> All => Enumerable.Range(1, 31).Select(day => new RenewalDay(day));

    /// <summary>The renewal day of a wallet anchored at <paramref name="anchor"/>.</summary>
    public static RenewalDay Of(DateTimeOffset anchor) => new(anchor.UtcDateTime.Day);

    /// <summary>The latest renewal instant at or before <paramref name="instant"/>.</summary>
    public DateTimeOffset LatestAtOrBefore(DateTimeOffset instant)
    {
        var i = instant.UtcDateTime;
        var thisMonth = In(Day, i.Year, i.Month);
        if (thisMonth <= instant) return thisMonth;
        var previous = i.AddMonths(-1);
        return In(Day, previous.Year, previous.Month);
    }

    /// <summary>The first renewal instant after <paramref name="instant"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset instant)
    {
        var i = instant.UtcDateTime;
        var thisMonth = In(Day, i.Year, i.Month);
        if (thisMonth > instant) return thisMonth;
        var next = i.AddMonths(1);
        return In(Day, next.Year, next.Month);
    }

    public override string ToString() => Day.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Midnight UTC on <paramref name="day"/> of the month, or on its last day when the month is shorter.</summary>
    internal static DateTimeOffset In(int day, int year, int month) =>
        new(new DateTime(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)), 0, 0, 0, DateTimeKind.Utc), TimeSpan.Zero);
}
