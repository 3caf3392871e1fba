using Connects.Grains;
using Connects.Tests.Support;

namespace Connects.Tests.Grains;

public sealed class GroupCommitTests
{
    /// <summary>A store whose writes finish when the test says so, counting writes and overlaps, and telling when a
    /// given write has started.</summary>
    private sealed class Store
    {
        private readonly Queue<TaskCompletionSource> _pending = new();
        private readonly List<TaskCompletionSource> _started = [];
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
            StartedSignal(Started).TrySetResult();
            try
            {
                await done.Task;
            }
            finally
            {
                Running--;
            }
        }

        /// <summary>Completes when the <paramref name="n"/>th write has started.</summary>
        public Task HasStarted(int n) => StartedSignal(n).Task;

        public void Finish(Exception? error = null)
        {
            var next = _pending.Dequeue();
            if (error is null) next.SetResult(); else next.SetException(error);
        }

        private TaskCompletionSource StartedSignal(int n)
        {
            while (_started.Count < n) _started.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _started[n - 1];
        }
    }

    /// <summary>
    /// Runs a test one continuation at a time, as a grain's scheduler runs its turns: <see cref="GroupCommit"/> is meant for
    /// that and is not thread-safe, while the test runner's own context may run two continuations of the same test at once.
    /// </summary>
    private static Task OneTurnAtATime(Func<Task> test) =>
        Task.Factory.StartNew(test, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();

    [Fact]
    public Task Changes_made_while_a_write_is_in_flight_are_stored_together_by_the_next_write() => OneTurnAtATime(async () =>
    {
        var store = new Store();
        var commit = new GroupCommit(store.Write);

        commit.Changed();
        var first = commit.Durable();
        var batch = Enumerable.Range(0, 5).Select(_ => { commit.Changed(); return commit.Durable(); }).ToList();
        Assert.Equal(1, store.Started);

        store.Finish();
        await first.Within("the first change to be durable once the first write finished");
        await store.HasStarted(2).Within("the next write to start");
        Assert.All(batch, t => Assert.False(t.IsCompleted)); // their changes came after the first write began
        Assert.Equal(2, store.Started);

        store.Finish();
        await Task.WhenAll(batch).Within("the batch to be durable once the second write finished");
        Assert.Equal(2, store.Started);
        Assert.Equal(1, store.MostAtOnce);
        Assert.True(commit.Durable().IsCompleted); // nothing left to write: durable at once, no third write
        Assert.Equal(2, store.Started);
    });

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
        store.Finish(new TimeoutException("disk"));

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
