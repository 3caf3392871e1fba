using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class RenewalDayTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_latest_renewal_includes_the_instant_itself_and_the_next_excludes_it()
    {
        var first = new RenewalDay(1);
        Assert.Equal(Utc(2027, 3, 1), first.LatestAtOrBefore(Utc(2027, 3, 1)));
        Assert.Equal(Utc(2027, 4, 1), first.NextAfter(Utc(2027, 3, 1)));
        Assert.Equal(Utc(2027, 2, 1), first.LatestAtOrBefore(Utc(2027, 3, 1).AddTicks(-1)));
        Assert.Equal(Utc(2027, 3, 1), first.NextAfter(Utc(2027, 3, 1).AddTicks(-1)));
    }

    [Fact]
    public void The_31st_renews_on_the_last_day_of_shorter_months_and_across_the_year_end()
    {
        var last = new RenewalDay(31);
        Assert.Equal(Utc(2027, 2, 28), last.NextAfter(Utc(2027, 2, 1)));
        Assert.Equal(Utc(2028, 2, 29), last.NextAfter(Utc(2028, 2, 1)));
        Assert.Equal(Utc(2027, 2, 28), last.LatestAtOrBefore(Utc(2027, 3, 30, 23)));
        Assert.Equal(Utc(2027, 3, 31), last.LatestAtOrBefore(Utc(2027, 3, 31, 1)));
        Assert.Equal(Utc(2027, 12, 31), last.LatestAtOrBefore(Utc(2028, 1, 15)));
        Assert.Equal(Utc(2028, 1, 31), last.NextAfter(Utc(2027, 12, 31)));
    }

    [Fact]
    public void Days_29_to_31_fall_on_one_instant_in_February()
    {
        var instants = Enumerable.Range(29, 3).Select(d => new RenewalDay(d).NextAfter(Utc(2027, 2, 1))).Distinct();
        Assert.Equal([Utc(2027, 2, 28)], instants);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    public void A_day_outside_1_to_31_is_refused(int day) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenewalDay(day));

    [Fact]
    public void There_are_31_renewal_days()
    {
        Assert.Equal(Enumerable.Range(1, 31), RenewalDay.All.Select(d => d.Day));
    }
}
