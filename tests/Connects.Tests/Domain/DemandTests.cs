using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class DemandTests
{
    // On the hour, so the window's hourly slots line up with the instants below.
    private static readonly DateTimeOffset T0 = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static Demand NewDemand(DemandState? state = null, PricingRules? rules = null) =>
        new(state ?? new DemandState(), rules ?? new PricingRules());

    [Fact]
    public void With_no_activity_demand_is_zero()
    {
        var measured = NewDemand().Measure(T0);
        Assert.Equal(0, measured.RecentApplications);
        Assert.Equal(0, measured.OpenJobs);
        Assert.Equal(T0, measured.MeasuredAt);
        Assert.Equal(0.0, measured.ApplicationsPerJob);
    }

    [Fact]
    public void Applications_in_the_window_are_counted()
    {
        var demand = NewDemand();
        demand.ApplicationReceived(T0);
        demand.ApplicationReceived(T0.AddMinutes(30));
        demand.ApplicationReceived(T0.AddHours(6));
        demand.ApplicationReceived(T0.AddHours(12));
        demand.ApplicationReceived(T0.AddHours(12));

        Assert.Equal(5, demand.Measure(T0.AddHours(12)).RecentApplications);
        Assert.Equal(5, demand.Measure(T0.AddHours(24).AddTicks(-1)).RecentApplications);
    }

    [Fact]
    public void Applications_older_than_the_window_are_dropped()
    {
        var demand = NewDemand();
        demand.ApplicationReceived(T0);
        demand.ApplicationReceived(T0.AddHours(6));
        demand.ApplicationReceived(T0.AddHours(20));

        Assert.Equal(2, demand.Measure(T0.AddHours(24)).RecentApplications);
        Assert.Equal(2, demand.Measure(T0.AddHours(29).AddMinutes(59)).RecentApplications);
        Assert.Equal(1, demand.Measure(T0.AddHours(30)).RecentApplications);
        Assert.Equal(0, demand.Measure(T0.AddDays(3)).RecentApplications);
    }

    [Fact]
    public void Receiving_an_application_drops_the_ones_outside_the_window()
    {
        var state = new DemandState();
        var demand = NewDemand(state);
        demand.ApplicationReceived(T0);
        demand.ApplicationReceived(T0.AddHours(1));

        demand.ApplicationReceived(T0.AddDays(2));

        Assert.Equal(1, Assert.Single(state.ApplicationsBySlot).Value);
        Assert.Equal(1, demand.Measure(T0.AddDays(2)).RecentApplications);
    }

    [Fact]
    public void A_longer_window_keeps_applications_longer()
    {
        var demand = NewDemand(rules: new PricingRules { DemandWindow = TimeSpan.FromHours(48) });
        demand.ApplicationReceived(T0);
        Assert.Equal(1, demand.Measure(T0.AddHours(36)).RecentApplications);
        Assert.Equal(0, demand.Measure(T0.AddHours(48)).RecentApplications);
    }

    [Fact]
    public void Open_jobs_are_counted_once_each()
    {
        var demand = NewDemand();
        Assert.True(demand.JobOpened("job-1"));
        Assert.False(demand.JobOpened("job-1"));
        Assert.True(demand.JobOpened("job-2"));
        Assert.Equal(2, demand.Measure(T0).OpenJobs);
        Assert.True(demand.JobClosed("job-1"));
        Assert.False(demand.JobClosed("job-1"));
        Assert.Equal(1, demand.Measure(T0).OpenJobs);
    }

    [Fact]
    public void Applications_per_job_divides_by_the_open_jobs()
    {
        var demand = NewDemand();
        for (var i = 0; i < 7; i++) demand.ApplicationReceived(T0.AddMinutes(i));
        demand.JobOpened("job-1");
        demand.JobOpened("job-2");
        Assert.Equal(3.5, demand.Measure(T0.AddHours(1)).ApplicationsPerJob);
    }

    [Fact]
    public void Applications_per_job_with_no_open_jobs_divides_by_one()
    {
        var demand = NewDemand();
        for (var i = 0; i < 7; i++) demand.ApplicationReceived(T0.AddMinutes(i));
        var measured = demand.Measure(T0.AddHours(1));
        Assert.Equal(0, measured.OpenJobs);
        Assert.Equal(7.0, measured.ApplicationsPerJob);
        Assert.Equal(7.0, new CategoryDemand(7, 0, T0).ApplicationsPerJob);
    }
}
