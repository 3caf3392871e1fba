using Connects.Grains;

namespace Connects.Tests.Grains;

public sealed class GroupCommitTests
{
    /// <summary>A store whose writes finish when the test says so, counting writes and overlaps.</summary>
    private sealed class Store
    {
        private readonly Queue<TaskCompletionSource> _pending = new();
        public int Started { get; private set; }
        public int Running { get; private set; }
        public int MostAtOnce { get; private set; }

        public async Task Write()
        {
            Started++;
            Running++;
            MostAtOnce = Math.Max(MostAtOnce, Running);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending.Enqueue(done);
            try
            {
                await done.Task;
            }
            finally
            {
                Running--;
            }
        }

        public async Task Finish(Exception? error = null)
        {
            var next = _pending.Dequeue();
            if (error is null) next.SetResult(); else next.SetException(error);
            await Task.Delay(20); // let the waiters and the next write run
        }
    }

    [Fact]
    public async Task Changes_made_while_a_write_is_in_flight_are_stored_together_by_the_next_write()
    {
        var store = new Store();
        var commit = new GroupCommit(store.Write);

        commit.Changed();
        var first = commit.Durable();
        var batch = Enumerable.Range(0, 5).Select(_ => { commit.Changed(); return commit.Durable(); }).ToList();
        Assert.Equal(1, store.Started);

        await store.Finish();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.All(batch, t => Assert.False(t.IsCompleted)); // their changes came after the first write began
        Assert.Equal(2, store.Started);

        await store.Finish();
        await Task.WhenAll(batch);
        Assert.Equal(2, store.Started);
        Assert.Equal(1, store.MostAtOnce);
        Assert.False(commit.HasPending);
    }

    [Fact]
    public async Task Nothing_changed_means_nothing_written()
    {
        var store = new Store();
        var commit = new GroupCommit(store.Write);
        await commit.Durable();
        Assert.Equal(0, store.Started);
    }

    [Fact]
    public async Task A_failed_write_fails_everyone_waiting_on_it_and_every_later_call()
    {
        var store = new Store();
        var commit = new GroupCommit(store.Write);
        commit.Changed();
        var waiting = commit.Durable();
        await store.Finish(new TimeoutException("disk"));

        await Assert.ThrowsAsync<TimeoutException>(() => waiting);
        commit.Changed();
        var later = await Assert.ThrowsAsync<InvalidOperationException>(commit.Durable);
        Assert.IsType<TimeoutException>(later.InnerException);
        Assert.Equal(1, store.Started);
    }

    [Fact]
    public async Task A_write_that_completes_at_once_does_not_stall_the_next_one()
    {
        var writes = 0;
        var commit = new GroupCommit(() => { writes++; return Task.CompletedTask; });
        for (var i = 0; i < 3; i++)
        {
            commit.Changed();
            await commit.Durable();
        }
        Assert.Equal(3, writes);
    }
}
