using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class BillingCycleTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_anchor_on_the_31st_renews_on_the_last_day_of_shorter_months()
    {
        var anchor = Utc(2027, 1, 31, 9);
        var starts = Enumerable.Range(0, 13).Select(i => BillingCycle.Of(anchor, i).Start).ToList();
        Assert.Equal(
        [
            Utc(2027, 1, 31, 9), Utc(2027, 2, 28, 9), Utc(2027, 3, 31, 9), Utc(2027, 4, 30, 9), Utc(2027, 5, 31, 9),
            Utc(2027, 6, 30, 9), Utc(2027, 7, 31, 9), Utc(2027, 8, 31, 9), Utc(2027, 9, 30, 9), Utc(2027, 10, 31, 9),
            Utc(2027, 11, 30, 9), Utc(2027, 12, 31, 9), Utc(2028, 1, 31, 9),
        ], starts);
    }
}
