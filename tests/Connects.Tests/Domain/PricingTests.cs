using System.Globalization;
using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class PricingTests
{
    private static readonly DateTimeOffset T0 = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PricingRules Defaults = new();

    private static readonly ProjectDuration[] Durations =
    [
        ProjectDuration.LessThan1Week, ProjectDuration.OneToFourWeeks, ProjectDuration.OneToThreeMonths,
        ProjectDuration.ThreeToSixMonths, ProjectDuration.MoreThanSixMonths,
    ];

    private static readonly BudgetType[] BudgetTypes = [BudgetType.Fixed, BudgetType.Hourly];

    private static readonly CategoryDemand[] Demands =
    [
        Demand(0, 0), Demand(0, 10), Demand(1, 3), Demand(5, 1), Demand(7, 1), Demand(50, 10), Demand(13, 1),
        Demand(25, 1), Demand(1000, 1), Demand(int.MaxValue, 0),
    ];

    private static CategoryDemand Demand(int applications, int openJobs) => new(applications, openJobs, T0);

    private static decimal Usd(string value) => decimal.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>0, tiny budgets, every boundary of a step doubling (and just below), then a geometric grid up to the maximum.</summary>
    private static List<decimal> BudgetGrid()
    {
        var grid = new List<decimal> { 0m, 0.01m, 1m, 10m, 99.99m, 100m };
        for (var b = 250m; b <= 10_000_000m; b *= 2) grid.AddRange([b - 0.01m, b, b + 0.01m]);
        for (var b = 1m; b <= 10_000_000m; b *= 1.37m) grid.Add(decimal.Round(b, 2));
        grid.Add(10_000_000m);
        grid.Sort();
        return grid.Distinct().ToList();
    }

    /// <summary>The documented formula, computed independently (budget points by repeated doubling in decimal).</summary>
    private static (int Points, double Multiplier, double Unclamped, int Connects) Expected(JobTerms terms, CategoryDemand demand, PricingRules rules)
    {
        var effective = terms.BudgetType == BudgetType.Hourly ? terms.BudgetUsd * rules.EstimatedHours(terms.Duration) : terms.BudgetUsd;
        var points = 0;
        for (var threshold = rules.BudgetStepUsd; effective >= threshold && points < rules.MaxBudgetPoints; threshold *= 2) points++;
        var perJob = demand.RecentApplications / (double)Math.Max(1, demand.OpenJobs);
        var multiplier = Math.Round(Math.Clamp(1 + rules.DemandSensitivity * (perJob / rules.TargetApplicationsPerJob - 1),
            rules.MinDemandMultiplier, rules.MaxDemandMultiplier), 4);
        var unclamped = (rules.DurationBase(terms.Duration) + points) * multiplier;
        var connects = Math.Clamp((int)Math.Round(unclamped, MidpointRounding.AwayFromZero), rules.MinConnects, rules.MaxConnects);
        return (points, multiplier, unclamped, connects);
    }

    [Fact]
    public void Price_is_non_decreasing_in_budget_for_every_duration_budget_type_and_demand()
    {
        var grid = BudgetGrid();
        foreach (var duration in Durations)
        foreach (var type in BudgetTypes)
        foreach (var demand in Demands)
        {
            var previous = ConnectPricing.Quote(new JobTerms(grid[0], type, duration), demand, Defaults);
            foreach (var budget in grid.Skip(1))
            {
                var price = ConnectPricing.Quote(new JobTerms(budget, type, duration), demand, Defaults);
                Assert.True(price.Connects >= previous.Connects,
                    $"{duration}/{type}/{demand.ApplicationsPerJob} per job: {budget} costs {price.Connects}, less than {previous.EffectiveBudgetUsd} at {previous.Connects}");
                Assert.True(price.BudgetPoints >= previous.BudgetPoints, $"{duration}/{type}: budget points fell at {budget}");
                previous = price;
            }
        }
    }

    [Fact]
    public void Price_is_non_decreasing_in_duration_for_a_fixed_budget()
    {
        foreach (var budget in BudgetGrid())
        foreach (var type in BudgetTypes)
        foreach (var demand in Demands)
        {
            var prices = Durations.Select(d => ConnectPricing.Quote(new JobTerms(budget, type, d), demand, Defaults).Connects).ToList();
            for (var i = 1; i < prices.Count; i++)
                Assert.True(prices[i] >= prices[i - 1], $"{type} {budget} at {demand.ApplicationsPerJob} per job: {Durations[i]} costs {prices[i]} < {Durations[i - 1]} at {prices[i - 1]}");
        }
    }

    [Fact]
    public void Price_is_non_decreasing_in_demand()
    {
        foreach (var budget in new[] { 0m, 100m, 250m, 1000m, 5000m, 100_000m })
        foreach (var type in BudgetTypes)
        foreach (var duration in Durations)
        {
            var previous = ConnectPricing.Quote(new JobTerms(budget, type, duration), Demand(0, 10), Defaults);
            for (var applications = 1; applications <= 400; applications++)
            {
                var price = ConnectPricing.Quote(new JobTerms(budget, type, duration), Demand(applications, 10), Defaults);
                Assert.True(price.Connects >= previous.Connects, $"{duration}/{type}/{budget}: {applications} applications per 10 jobs costs {price.Connects} < {previous.Connects}");
                Assert.True(price.DemandMultiplier >= previous.DemandMultiplier, $"multiplier fell at {applications} applications");
                previous = price;
            }
        }
    }

    [Fact]
    public void More_open_jobs_for_the_same_applications_never_raise_the_price()
    {
        var terms = new JobTerms(2000m, BudgetType.Fixed, ProjectDuration.OneToThreeMonths);
        var previous = ConnectPricing.Quote(terms, Demand(60, 0), Defaults);
        for (var jobs = 1; jobs <= 100; jobs++)
        {
            var price = ConnectPricing.Quote(terms, Demand(60, jobs), Defaults);
            Assert.True(price.Connects <= previous.Connects, $"{jobs} open jobs cost {price.Connects} > {previous.Connects}");
            previous = price;
        }
    }

    [Fact]
    public void Price_is_always_within_the_configured_range_and_matches_the_documented_formula()
    {
        foreach (var budget in BudgetGrid())
        foreach (var type in BudgetTypes)
        foreach (var duration in Durations)
        foreach (var demand in Demands)
        {
            var terms = new JobTerms(budget, type, duration);
            var price = ConnectPricing.Quote(terms, demand, Defaults);
            var expected = Expected(terms, demand, Defaults);
            var label = $"{type} {budget} {duration} at {demand.RecentApplications}/{demand.OpenJobs}";
            Assert.InRange(price.Connects, 2, 16);
            Assert.True(expected.Connects == price.Connects, $"{label}: {price.Connects}, expected {expected.Connects}");
            Assert.True(expected.Points == price.BudgetPoints, $"{label}: {price.BudgetPoints} points, expected {expected.Points}");
            Assert.True(expected.Multiplier == price.DemandMultiplier, $"{label}: multiplier {price.DemandMultiplier}, expected {expected.Multiplier}");
            Assert.True(Math.Abs(expected.Unclamped - price.Unclamped) < 1e-9, $"{label}: unclamped {price.Unclamped}, expected {expected.Unclamped}");
            Assert.Equal(Defaults.DurationBase(duration), price.DurationBase);
            Assert.Equal(type == BudgetType.Hourly ? budget * Defaults.EstimatedHours(duration) : budget, price.EffectiveBudgetUsd);
            Assert.Equal(demand.ApplicationsPerJob, price.ApplicationsPerJob);
            Assert.Equal(2, price.MinConnects);
            Assert.Equal(16, price.MaxConnects);
        }
    }

    [Theory]
    [InlineData(ProjectDuration.LessThan1Week, 2)]
    [InlineData(ProjectDuration.OneToFourWeeks, 4)]
    [InlineData(ProjectDuration.OneToThreeMonths, 6)]
    [InlineData(ProjectDuration.ThreeToSixMonths, 8)]
    [InlineData(ProjectDuration.MoreThanSixMonths, 10)]
    public void Duration_bases_are_the_documented_defaults(ProjectDuration duration, int expectedBase)
    {
        var price = ConnectPricing.Quote(new JobTerms(0m, BudgetType.Fixed, duration), Demand(5, 1), Defaults);
        Assert.Equal(expectedBase, price.DurationBase);
        Assert.Equal(0, price.BudgetPoints);
        Assert.Equal(1.0, price.DemandMultiplier);
        Assert.Equal(expectedBase, price.Connects);
    }

    [Fact]
    public void Extreme_budgets_and_demand_are_clamped_to_the_maximum()
    {
        var price = ConnectPricing.Quote(new JobTerms(10_000_000m, BudgetType.Hourly, ProjectDuration.MoreThanSixMonths), Demand(int.MaxValue, 0), Defaults);
        Assert.Equal(16, price.Connects);
        Assert.Equal(6, price.BudgetPoints);
        Assert.Equal(1.5, price.DemandMultiplier);
        Assert.Equal(24.0, price.Unclamped, 9);
        Assert.Equal(10_000_000_000m, price.EffectiveBudgetUsd);

        var fixedMax = ConnectPricing.Quote(new JobTerms(100_000_000m, BudgetType.Fixed, ProjectDuration.MoreThanSixMonths), Demand(1000, 1), Defaults);
        Assert.Equal(16, fixedMax.Connects);
    }

    [Fact]
    public void The_smallest_job_at_the_lowest_demand_costs_the_minimum()
    {
        var price = ConnectPricing.Quote(new JobTerms(0m, BudgetType.Fixed, ProjectDuration.LessThan1Week), Demand(0, 1000), Defaults);
        Assert.Equal(0.75, price.DemandMultiplier);
        Assert.Equal(1.5, price.Unclamped, 9);
        Assert.Equal(2, price.Connects);
    }

    [Fact]
    public void Custom_limits_clamp_both_ends()
    {
        var rules = new PricingRules { MinConnects = 3, MaxConnects = 9, LessThan1WeekBase = 1 };
        var low = ConnectPricing.Quote(new JobTerms(0m, BudgetType.Fixed, ProjectDuration.LessThan1Week), Demand(0, 1), rules);
        Assert.Equal(0.75, low.Unclamped, 9);
        Assert.Equal(3, low.Connects);
        Assert.Equal(3, low.MinConnects);

        var high = ConnectPricing.Quote(new JobTerms(5000m, BudgetType.Fixed, ProjectDuration.OneToThreeMonths), Demand(5, 1), rules);
        Assert.Equal(11.0, high.Unclamped, 9);
        Assert.Equal(9, high.Connects);
        Assert.Equal(9, high.MaxConnects);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.01", 0)]
    [InlineData("249.99", 0)]
    [InlineData("250", 1)]
    [InlineData("250.01", 1)]
    [InlineData("499.99", 1)]
    [InlineData("500", 2)]
    [InlineData("999.99", 2)]
    [InlineData("1000", 3)]
    [InlineData("2000", 4)]
    [InlineData("4000", 5)]
    [InlineData("7999.99", 5)]
    [InlineData("8000", 6)]
    [InlineData("16000", 6)]
    [InlineData("10000000", 6)]
    [InlineData("-5", 0)]
    public void Budget_points_count_doublings_of_the_step_up_to_the_cap(string budget, int points)
    {
        Assert.Equal(points, ConnectPricing.BudgetPoints(Usd(budget), Defaults));
    }

    [Fact]
    public void Budget_points_follow_a_configured_step_and_cap()
    {
        var rules = new PricingRules { BudgetStepUsd = 100m, MaxBudgetPoints = 10 };
        Assert.Equal(0, ConnectPricing.BudgetPoints(99.99m, rules));
        Assert.Equal(1, ConnectPricing.BudgetPoints(100m, rules));
        Assert.Equal(2, ConnectPricing.BudgetPoints(200m, rules));
        Assert.Equal(7, ConnectPricing.BudgetPoints(6400m, rules));
        Assert.Equal(10, ConnectPricing.BudgetPoints(51_200m, rules));
        Assert.Equal(10, ConnectPricing.BudgetPoints(1_000_000m, rules));
        Assert.Equal(0, ConnectPricing.BudgetPoints(1_000_000m, new PricingRules { MaxBudgetPoints = 0 }));
    }

    [Theory]
    [InlineData(ProjectDuration.LessThan1Week, 20)]
    [InlineData(ProjectDuration.OneToFourWeeks, 80)]
    [InlineData(ProjectDuration.OneToThreeMonths, 250)]
    [InlineData(ProjectDuration.ThreeToSixMonths, 500)]
    [InlineData(ProjectDuration.MoreThanSixMonths, 1000)]
    public void An_hourly_budget_is_the_rate_times_the_estimated_hours(ProjectDuration duration, int hours)
    {
        var price = ConnectPricing.Quote(new JobTerms(12.5m, BudgetType.Hourly, duration), Demand(5, 1), Defaults);
        Assert.Equal(12.5m * hours, price.EffectiveBudgetUsd);
        Assert.Equal(ConnectPricing.BudgetPoints(12.5m * hours, Defaults), price.BudgetPoints);
    }

    [Fact]
    public void An_hourly_rate_of_50_for_one_to_four_weeks_is_priced_as_4000()
    {
        var price = ConnectPricing.Quote(new JobTerms(50m, BudgetType.Hourly, ProjectDuration.OneToFourWeeks), Demand(5, 1), Defaults);
        Assert.Equal(4000m, price.EffectiveBudgetUsd);
        Assert.Equal(5, price.BudgetPoints);
        Assert.Equal(4, price.DurationBase);
        Assert.Equal(9, price.Connects);

        var asFixed = ConnectPricing.Quote(new JobTerms(50m, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), Demand(5, 1), Defaults);
        Assert.Equal(0, asFixed.BudgetPoints);
        Assert.Equal(4, asFixed.Connects);
    }

    [Theory]
    [InlineData(50, 10, 1.0, 9)]      // at the target: (6 + 3) x 1
    [InlineData(0, 10, 0.75, 7)]      // 6.75 rounds up
    [InlineData(70, 10, 1.1, 10)]     // 9.9
    [InlineData(250, 10, 1.5, 14)]    // raw 2.0 clamped to 1.5: 13.5 rounds away from zero
    [InlineData(30, 0, 1.5, 14)]      // no open jobs counts as one: 30 per job
    [InlineData(1, 3, 0.7667, 7)]     // 1/3 per job: the multiplier is rounded to 4 places
    public void Demand_scales_the_price(int applications, int openJobs, double multiplier, int connects)
    {
        var price = ConnectPricing.Quote(new JobTerms(1000m, BudgetType.Fixed, ProjectDuration.OneToThreeMonths), Demand(applications, openJobs), Defaults);
        Assert.Equal(6, price.DurationBase);
        Assert.Equal(3, price.BudgetPoints);
        Assert.Equal(multiplier, price.DemandMultiplier);
        Assert.Equal(9 * multiplier, price.Unclamped, 9);
        Assert.Equal(connects, price.Connects);
    }

    [Theory]
    [InlineData(5.0, 1.0)]
    [InlineData(0.0, 0.75)]
    [InlineData(1.0, 0.8)]
    [InlineData(10.0, 1.25)]
    [InlineData(15.0, 1.5)]
    [InlineData(1e9, 1.5)]
    public void The_demand_multiplier_follows_the_formula_within_its_bounds(double perJob, double expected)
    {
        Assert.Equal(expected, ConnectPricing.DemandMultiplier(perJob, Defaults), 10);
    }
}
