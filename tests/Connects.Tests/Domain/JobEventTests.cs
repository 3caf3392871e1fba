using Connects.Domain;

namespace Connects.Tests.Domain;

/// <summary>A job's events, made by its changes into its outbox (<see cref="JobEvents"/>), numbered per job.</summary>
public sealed class JobEventTests
{
    private static readonly DateTimeOffset T0 = new(2027, 4, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly JobTerms Terms = new(1000m, BudgetType.Fixed, ProjectDuration.OneToThreeMonths);
    private static readonly Slice[] Held = [new(BucketSource.Monthly, 20, T0.AddDays(10))];

    private static Job Posted(int price = 12)
    {
        var job = new Job(new JobState());
        job.Post("job-1", "client-1", Terms, "web-dev", T0, price);
        return job;
    }

    [Fact]
    public void Posting_a_job_puts_a_posted_event_with_its_price_in_its_outbox()
    {
        var job = Posted();

        var e = Assert.Single(job.State.PendingEvents!);
        Assert.Equal(("job:job-1:1", JobEvents.Posted, "job-1", 1L, T0), (e.Id, e.Type, e.Subject, e.Sequence, e.Time));
        Assert.Equal(new JobChange(JobStatus.Open, null, 12), e.Job);
        Assert.Equal(("client-1", "web-dev"), (e.Reference, e.Note));
        Assert.Equal(1, job.State.EventSequence);
    }

    [Fact]
    public void An_edit_that_changes_the_price_is_a_price_changed_event_and_one_that_does_not_is_none()
    {
        var job = Posted(12);

        job.Post("job-1", "client-1", Terms with { BudgetUsd = 2000m }, "web-dev", T0.AddMinutes(1), 12);
        Assert.Single(job.State.PendingEvents!);
        job.Post("job-1", "client-1", Terms with { BudgetUsd = 5000m }, "web-dev", T0.AddMinutes(2), 16);
        job.Post("job-1", "client-1", Terms with { BudgetUsd = 5000m }, "web-dev", T0.AddMinutes(3), 16); // unchanged

        var changed = job.State.PendingEvents![1];
        Assert.Equal((JobEvents.PriceChanged, 2L), (changed.Type, changed.Sequence));
        Assert.Equal(new JobChange(JobStatus.Open, 12, 16), changed.Job);
        Assert.Equal(2, job.State.PendingEvents.Count);
    }

    [Fact]
    public void A_hire_closes_the_job_with_a_closed_event_naming_the_freelancer()
    {
        var job = Posted();
        job.Record("f-1", "job-1#1", Held, 12, T0.AddMinutes(1));

        job.Hire("f-1", T0.AddMinutes(2));
        job.Hire("f-1", T0.AddMinutes(3)); // hired again: no change, no event

        var closed = job.State.PendingEvents![^1];
        Assert.Equal((JobEvents.Closed, 2L, "f-1", T0.AddMinutes(2)), (closed.Type, closed.Sequence, closed.Note, closed.Time));
        Assert.Equal(new JobChange(JobStatus.Filled, 12, 12), closed.Job);
        Assert.Equal(2, job.State.PendingEvents.Count);
    }

    [Theory]
    [InlineData(CancelReason.ClientCancelled, JobStatus.Cancelled, "client-cancelled")]
    [InlineData(CancelReason.RemovedByMarketplace, JobStatus.Removed, "removed")]
    public void Cancelling_or_removing_closes_the_job_once(CancelReason reason, JobStatus status, string note)
    {
        var job = Posted();

        job.Cancel(reason, T0.AddHours(1));
        job.Cancel(reason, T0.AddHours(2));

        var closed = job.State.PendingEvents![^1];
        Assert.Equal((JobEvents.Closed, note, new JobChange(status, 12, 12)), (closed.Type, closed.Note, closed.Job));
        Assert.Equal(2, job.State.PendingEvents.Count);
    }

    [Fact]
    public void Events_recorded_leave_the_outbox_and_only_stored_ones_may_go()
    {
        var job = Posted();
        job.Cancel(CancelReason.ClientCancelled, T0.AddHours(1));

        Assert.Equal([1L], JobEvents.Stored(job.State, 1).Select(e => e.Sequence));
        JobEvents.Recorded(job.State, 1);
        Assert.Equal([2L], job.State.PendingEvents!.Select(e => e.Sequence));
        JobEvents.Recorded(job.State, 2);

        Assert.Null(job.State.PendingEvents);
        Assert.Empty(JobEvents.Stored(job.State, 2));
    }

    [Fact]
    public void Webhooks_may_subscribe_to_every_wallet_and_job_event_type()
    {
        Assert.Equal(WalletEvents.Types.Count + 3 + 1, EventTypes.All.Count);
        Assert.Contains(WebhookDelivery.Disabled, EventTypes.All);
        Assert.Contains(WalletEvents.LowBalance, EventTypes.All);
        Assert.Contains(WalletEvents.Expiring, EventTypes.All);
        Assert.Contains(JobEvents.PriceChanged, EventTypes.All);
        Assert.Equal(EventTypes.All.Count, EventTypes.All.Distinct().Count());
    }
}
