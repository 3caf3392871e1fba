using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connects.Tests.Faults;

/// <summary>
/// The job's outbox (docs/design.md, "Events"): a job's events are stored with the change that makes them, in the job's
/// state, and copied to the events table after that write; each window between the two is played by failing the write
/// (before or after it lands) or the copy (<see cref="StorageFaults"/>), with the activation dropped in between. The table
/// ends with every stored change's event, once, in sequence, and none for a change not stored.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JobEventOutboxTests(ClusterFixture fx) : IDisposable
{
    private readonly IFaultCluster _cluster = new SharedCluster(fx);

    public void Dispose() => fx.StorageFaults.Clear();

    private IEventStore Table => fx.Cluster.Silos[0].ServiceProvider.GetRequiredService<IEventStore>();

    private Task<IReadOnlyList<ConnectsEvent>> JobEventsOf(string jobId) => Table.Read(JobEvents.StreamOf(jobId), 0, 100);

    private static JobPosting Posting(decimal budget, string category) =>
        new("client-1", new JobTerms(budget, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), category);

    [Fact]
    public async Task Posting_editing_and_hiring_make_posted_price_changed_and_closed_in_sequence()
    {
        const string id = "je-all";
        var job = fx.Grains.Job(id);
        var posted = await job.Post(Posting(100, "cat-" + id));
        var edited = await job.Post(Posting(5000, "cat-" + id));
        Assert.NotEqual(posted.Job.Price.Connects, edited.Job.Price.Connects);
        var wallet = await fx.Grains.OpenedWallet(id + "-f");
        Assert.Equal(SubmissionOutcome.Submitted, (await wallet.SubmitProposal(id, edited.Job.Price.Connects)).Outcome);
        await job.Hire(id + "-f");

        var events = await JobEventsOf(id);

        Assert.Equal([JobEvents.Posted, JobEvents.PriceChanged, JobEvents.Closed], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3], events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal(id, e.Subject));
        Assert.Equal($"job:{id}:1", events[0].Id);
        Assert.Equal(new JobChange(JobStatus.Open, null, posted.Job.Price.Connects), events[0].Job);
        Assert.Equal(new JobChange(JobStatus.Open, posted.Job.Price.Connects, edited.Job.Price.Connects), events[1].Job);
        Assert.Equal(JobStatus.Filled, events[2].Job!.Status);
        Assert.Equal(id + "-f", events[2].Note);
        // Apart from the freelancer's feed: a job id equal to a freelancer id shares nothing with it.
        Assert.DoesNotContain(await Table.Read(id, 0, 100), e => e.Job is not null);
    }

    [Fact]
    public async Task A_write_that_never_landed_leaves_no_event()
    {
        const string id = "je-before";
        var job = await fx.Grains.PostedJob(id);
        fx.StorageFaults.FailWrites("job", "job:" + id, FaultMode.Before);

        await Assert.ThrowsAnyAsync<Exception>(() => job.Cancel(CancelReason.ClientCancelled));

        Assert.Equal(JobStatus.Open, (await Stored.Job(_cluster, id))!.Status);
        Assert.Equal([JobEvents.Posted], (await JobEventsOf(id)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_write_that_landed_while_its_grain_heard_it_fail_has_its_event_recorded_by_the_next_activation()
    {
        const string id = "je-after";
        var job = await fx.Grains.PostedJob(id);
        fx.StorageFaults.FailWrites("job", "job:" + id, FaultMode.After);

        await Assert.ThrowsAnyAsync<Exception>(() => job.Cancel(CancelReason.ClientCancelled));
        Assert.Equal([JobEvents.Posted], (await JobEventsOf(id)).Select(e => e.Type));
        Assert.Equal(JobStatus.Cancelled, (await Stored.Job(_cluster, id))!.Status);

        await job.GetJob(); // the next activation

        var events = await JobEventsOf(id);
        Assert.Equal([JobEvents.Posted, JobEvents.Closed], events.Select(e => e.Type));
        Assert.Equal(JobStatus.Cancelled, events[1].Job!.Status);
    }

    [Fact]
    public async Task Events_lost_between_the_write_and_the_table_wait_in_the_stored_outbox_and_go_first_once()
    {
        const string id = "je-lost";
        var job = await fx.Grains.PostedJob(id);
        // Every copy this activation tries fails: as if its silo died right after the cancellation's write.
        fx.StorageFaults.FailEventRecords(id, times: 100);

        var cancelled = await job.Cancel(CancelReason.RemovedByMarketplace);

        Assert.Equal(JobStatus.Removed, cancelled.Status); // the change stands: it is stored
        Assert.Equal([JobEvents.Posted], (await JobEventsOf(id)).Select(e => e.Type));
        var outbox = (await Stored.Job(_cluster, id))!.PendingEvents;
        Assert.Equal([JobEvents.Closed], outbox!.Select(e => e.Type)); // the stored outbox has it
        await fx.Cluster.DeactivateAsync(job);
        fx.StorageFaults.Clear();

        // The next activation copies it before anything else; it is in the table once, in sequence.
        await job.GetJob();
        await fx.Cluster.DeactivateAsync(job);
        await job.GetJob(); // its outbox drop was not stored yet: copied again, a no-op by id

        var events = await JobEventsOf(id);
        Assert.Equal([JobEvents.Posted, JobEvents.Closed], events.Select(e => e.Type));
        Assert.Equal([1L, 2], events.Select(e => e.Sequence));
        Assert.Equal(JobStatus.Removed, events[1].Job!.Status);
    }

    [Fact]
    public async Task The_outbox_is_emptied_by_the_write_after_the_copy()
    {
        const string id = "je-empty";
        var job = await fx.Grains.PostedJob(id);
        Assert.NotNull((await Stored.Job(_cluster, id))!.PendingEvents); // stored with the posting

        await job.Invite(id + "-f"); // any later write

        Assert.Null((await Stored.Job(_cluster, id))!.PendingEvents);
        Assert.Single(await JobEventsOf(id));
    }
}
