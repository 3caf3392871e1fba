using Connects.Silo;

namespace Connects.Tests.Storage;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task Items_handed_in_while_a_commit_runs_share_the_next_one_in_order_and_no_callers_items_are_split()
    {
        var commits = new List<IReadOnlyList<int>>();
        var started = new TaskCompletionSource();
        var first = new TaskCompletionSource();
        var group = new GroupCommit<int>(async items =>
        {
            lock (commits) commits.Add(items);
            if (commits.Count > 1) return;
            started.SetResult();
            await first.Task;
        }, maxItems: 5);

        var one = group.Commit([1]);
        await started.Task;
        var waiting = new[] { group.Commit([2, 3]), group.Commit([4, 5]), group.Commit([6, 7]), group.Commit([8]) };
        Assert.False(one.IsCompleted);
        first.SetResult();
        await Task.WhenAll([one, .. waiting]);

        // [1] alone (it came to an idle group), then [2, 3, 4, 5] (5 at most; [6, 7] would split), then [6, 7, 8].
        Assert.Equal([[1], [2, 3, 4, 5], [6, 7, 8]], commits);
    }

    [Fact]
    public async Task A_failed_commit_fails_only_its_own_callers_and_the_next_batch_is_committed()
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var committed = new List<int>();
        var group = new GroupCommit<int>(async items =>
        {
            if (items.Contains(1))
            {
                started.SetResult();
                await release.Task;
            }
            if (items.Contains(2)) throw new InvalidOperationException("the database refused");
            lock (committed) committed.AddRange(items);
        }, maxItems: 2);

        var one = group.Commit([1]);
        await started.Task;
        var failing = new[] { group.Commit([2]), group.Commit([3]) };
        var later = group.Commit([4]);
        release.SetResult();

        await one;
        foreach (var failed in failing)
            Assert.Equal("the database refused", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
        await later;
        Assert.Equal([1, 4], committed);
    }

    [Fact]
    public async Task A_caller_with_more_items_than_a_batch_holds_is_committed_whole_and_nothing_is_not_a_commit()
    {
        var commits = new List<int>();
        var group = new GroupCommit<int>(items =>
        {
            commits.Add(items.Count);
            return Task.CompletedTask;
        }, maxItems: 2);

        await group.Commit([]);
        await group.Commit([1, 2, 3]);
        Assert.Equal([3], commits);
    }
}
