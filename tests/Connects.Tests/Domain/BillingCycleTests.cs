using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class BillingCycleTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_anchor_on_the_31st_renews_at_midnight_on_the_last_day_of_shorter_months()
    {
        var anchor = Utc(2027, 1, 31, 9);
        var starts = Enumerable.Range(0, 13).Select(i => BillingCycle.Of(anchor, i).Start).ToList();
        Assert.Equal(
        [
            Utc(2027, 1, 31, 9), Utc(2027, 2, 28), Utc(2027, 3, 31), Utc(2027, 4, 30), Utc(2027, 5, 31),
            Utc(2027, 6, 30), Utc(2027, 7, 31), Utc(2027, 8, 31), Utc(2027, 9, 30), Utc(2027, 10, 31),
            Utc(2027, 11, 30), Utc(2027, 12, 31), Utc(2028, 1, 31),
        ], starts);
    }

    [Fact]
    public void An_anchor_on_the_31st_keeps_returning_to_the_31st_across_a_leap_february()
    {
        var anchor = Utc(2027, 1, 31, 9);
        Assert.Equal(Utc(2028, 2, 29), BillingCycle.Of(anchor, 13).Start);
        Assert.Equal(Utc(2028, 3, 31), BillingCycle.Of(anchor, 14).Start);
        Assert.Equal(Utc(2028, 4, 30), BillingCycle.Of(anchor, 15).Start);
        Assert.Equal(Utc(2029, 2, 28), BillingCycle.Of(anchor, 25).Start);
    }

    [Fact]
    public void A_leap_day_anchor_renews_on_Feb_28_in_common_years_and_Feb_29_in_leap_years()
    {
        var anchor = Utc(2028, 2, 29, 14);
        Assert.Equal(Utc(2028, 3, 29), BillingCycle.Of(anchor, 1).Start);
        Assert.Equal(Utc(2029, 1, 29), BillingCycle.Of(anchor, 11).Start);
        Assert.Equal(Utc(2029, 2, 28), BillingCycle.Of(anchor, 12).Start);
        Assert.Equal(Utc(2029, 3, 29), BillingCycle.Of(anchor, 13).Start);
        Assert.Equal(Utc(2030, 2, 28), BillingCycle.Of(anchor, 24).Start);
        Assert.Equal(Utc(2031, 2, 28), BillingCycle.Of(anchor, 36).Start);
        Assert.Equal(Utc(2032, 2, 29), BillingCycle.Of(anchor, 48).Start);
        Assert.Equal(Utc(2032, 3, 29), BillingCycle.Of(anchor, 49).Start);
    }

    [Fact]
    public void A_Jan_30_anchor_renews_on_the_last_day_of_February_in_leap_and_common_years()
    {
        var leap = Utc(2028, 1, 30);
        Assert.Equal(Utc(2028, 2, 29), BillingCycle.Of(leap, 1).Start);
        Assert.Equal(Utc(2028, 3, 30), BillingCycle.Of(leap, 2).Start);
        Assert.Equal(Utc(2029, 2, 28), BillingCycle.Of(leap, 13).Start);

        var common = Utc(2027, 1, 30);
        Assert.Equal(Utc(2027, 2, 28), BillingCycle.Of(common, 1).Start);
        Assert.Equal(Utc(2027, 3, 30), BillingCycle.Of(common, 2).Start);
        Assert.Equal(Utc(2028, 2, 29), BillingCycle.Of(common, 13).Start);
    }

    [Fact]
    public void The_first_cycle_runs_from_the_opening_instant_to_midnight_of_the_anchor_day_a_month_later()
    {
        var anchor = Utc(2027, 1, 31, 9);
        var cycle = BillingCycle.Of(anchor, 0);
        Assert.Equal(0, cycle.Index);
        Assert.Equal(anchor, cycle.Start);
        Assert.Equal(Utc(2027, 2, 28), cycle.End);
    }

    [Fact]
    public void A_negative_index_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BillingCycle.Of(Utc(2027, 1, 31), -1));
    }

    [Fact]
    public void At_an_instant_exactly_on_a_boundary_returns_the_cycle_that_starts_there()
    {
        var anchor = Utc(2027, 1, 31, 9);
        var at = BillingCycle.At(anchor, Utc(2027, 2, 28));
        Assert.Equal(1, at.Index);
        Assert.Equal(Utc(2027, 2, 28), at.Start);
        Assert.Equal(Utc(2027, 3, 31), at.End);
        Assert.Equal(0, BillingCycle.At(anchor, anchor).Index);
    }

    [Fact]
    public void At_an_instant_just_before_a_boundary_returns_the_previous_cycle()
    {
        var anchor = Utc(2027, 1, 31, 9);
        Assert.Equal(0, BillingCycle.At(anchor, Utc(2027, 2, 28).AddTicks(-1)).Index);
        Assert.Equal(1, BillingCycle.At(anchor, Utc(2027, 3, 31).AddTicks(-1)).Index);
        // Mar 30 at 23:00 is before the Mar 31 renewal even though the month changed long ago.
        Assert.Equal(1, BillingCycle.At(anchor, Utc(2027, 3, 30, 23)).Index);
        // Feb 27 at 23:00 is still cycle 0 although the month differs from the anchor's.
        Assert.Equal(0, BillingCycle.At(anchor, Utc(2027, 2, 27, 23)).Index);
    }

    [Fact]
    public void At_an_instant_five_years_later_returns_cycle_60_or_later()
    {
        var anchor = Utc(2027, 1, 31, 9);
        Assert.Equal(60, BillingCycle.At(anchor, Utc(2032, 1, 31)).Index);
        Assert.Equal(59, BillingCycle.At(anchor, Utc(2032, 1, 30, 23)).Index);
        var late = BillingCycle.At(anchor, Utc(2032, 3, 15));
        Assert.Equal(61, late.Index);
        Assert.Equal(Utc(2032, 2, 29), late.Start);
        Assert.Equal(Utc(2032, 3, 31), late.End);
    }

    [Fact]
    public void At_an_instant_before_the_anchor_returns_cycle_zero()
    {
        var anchor = Utc(2027, 1, 31, 9);
        Assert.Equal(BillingCycle.Of(anchor, 0), BillingCycle.At(anchor, Utc(2026, 12, 1)));
        Assert.Equal(BillingCycle.Of(anchor, 0), BillingCycle.At(anchor, anchor.AddTicks(-1)));
        Assert.Equal(BillingCycle.Of(anchor, 0), BillingCycle.At(anchor, Utc(2020, 6, 30)));
    }

    [Fact]
    public void Every_cycle_after_the_first_starts_at_midnight_UTC_whatever_the_time_the_wallet_opened()
    {
        var anchor = new DateTimeOffset(2027, 5, 31, 23, 59, 59, 999, TimeSpan.Zero).AddTicks(1234);
        Assert.Equal(anchor, BillingCycle.Of(anchor, 0).Start);
        for (var i = 1; i < 30; i++)
        {
            var start = BillingCycle.Of(anchor, i).Start;
            Assert.Equal(TimeSpan.Zero, start.TimeOfDay);
            Assert.Equal(TimeSpan.Zero, start.Offset);
        }
        Assert.Equal(Utc(2027, 6, 30), BillingCycle.Of(anchor, 1).Start);
    }

    [Fact]
    public void An_anchor_given_with_an_offset_is_read_in_UTC()
    {
        // 2027-01-31 01:00 at +02:00 is 2027-01-30 23:00 UTC: the anchor day is the 30th.
        var anchor = new DateTimeOffset(2027, 1, 31, 1, 0, 0, TimeSpan.FromHours(2));
        Assert.Equal(Utc(2027, 2, 28), BillingCycle.Of(anchor, 1).Start);
        Assert.Equal(Utc(2027, 3, 30), BillingCycle.Of(anchor, 2).Start);
        Assert.Equal(30, RenewalDay.Of(anchor).Day);
    }

    [Theory]
    [InlineData(2027, 1, 31, 9)]
    [InlineData(2028, 2, 29, 14)]
    [InlineData(2027, 1, 30, 0)]
    [InlineData(2027, 3, 15, 12)]
    [InlineData(2027, 8, 31, 23)]
    public void Index_start_and_end_are_consistent_over_60_months(int y, int m, int d, int h)
    {
        var anchor = Utc(y, m, d, h);
        for (var i = 0; i < 60; i++)
        {
            var cycle = BillingCycle.Of(anchor, i);
            var next = BillingCycle.Of(anchor, i + 1);
            Assert.Equal(i, cycle.Index);
            Assert.Equal(cycle.End, next.Start);
            Assert.True(cycle.Start < cycle.End, $"cycle {i} is empty");
            // The first cycle is shorter by the time of day the wallet opened.
            Assert.InRange((cycle.End - cycle.Start).TotalDays, i == 0 ? 27 : 28, 31);
            Assert.Equal(cycle, BillingCycle.At(anchor, cycle.Start));
            Assert.Equal(i, BillingCycle.At(anchor, cycle.End.AddTicks(-1)).Index);
            Assert.Equal(i, BillingCycle.At(anchor, cycle.Start + (cycle.End - cycle.Start) / 2).Index);
            Assert.Equal(i + 1, BillingCycle.At(anchor, cycle.End).Index); // the end is the next cycle's start, not this one's
            Assert.Equal(Math.Min(d, DateTime.DaysInMonth(cycle.Start.Year, cycle.Start.Month)), cycle.Start.Day);
            // Every renewal is an instant of the wallet's renewal day: the one its cohort refreshes it at.
            Assert.Equal(cycle.End, RenewalDay.Of(anchor).NextAfter(cycle.End.AddTicks(-1)));
            Assert.Equal(cycle.End, RenewalDay.Of(anchor).LatestAtOrBefore(cycle.End));
        }
    }
}
