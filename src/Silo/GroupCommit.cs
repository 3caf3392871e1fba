namespace Connects.Silo;

/// <summary>
/// Group commit for small inserts: what callers hand in while a commit is in the database goes together in the next
/// one (up to <paramref name="maxItems"/> items, a caller's items never split), as one transaction. No timer: an idle
/// caller's items are committed at once; under load each caller waits about one commit's time and shares it. A commit
/// that fails fails every caller in it, and the next batch is tried on its own.
/// </summary>
/// <typeparam name="T">One item (a row to insert).</typeparam>
public sealed class GroupCommit<T>(Func<IReadOnlyList<T>, Task> commit, int maxItems)
{
    private readonly Lock _lock = new();
    private readonly Queue<(IReadOnlyList<T> Items, TaskCompletionSource Done)> _queue = new();
    private bool _draining;

    /// <summary>Commits <paramref name="items"/> with whatever else is waiting; completes once they are committed.</summary>
    public Task Commit(IReadOnlyList<T> items)
    {
        if (items.Count == 0) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_lock)
        {
            _queue.Enqueue((items, done));
            start = !_draining;
            _draining = true;
        }
        // Off the caller's scheduler (a grain's): the commits run on the thread pool, for every caller.
        if (start) _ = Task.Run(Drain, CancellationToken.None);
        return done.Task;
    }

    private async Task Drain()
    {
        while (TakeBatch() is { Count: > 0 } batch)
        {
            try
            {
                await commit([.. batch.SelectMany(b => b.Items)]).ConfigureAwait(false);
                foreach (var (_, done) in batch) done.TrySetResult();
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch) done.TrySetException(ex);
            }
        }
    }

    /// <summary>The next batch, or none (and draining stops) when nothing waits.</summary>
    private List<(IReadOnlyList<T> Items, TaskCompletionSource Done)> TakeBatch()
    {
        var batch = new List<(IReadOnlyList<T>, TaskCompletionSource)>();
        var count = 0;
        lock (_lock)
        {
            while (_queue.TryPeek(out var next) && (batch.Count == 0 || count + next.Items.Count <= maxItems))
            {
                batch.Add(_queue.Dequeue());
                count += next.Items.Count;
            }
            if (batch.Count == 0) _draining = false;
        }
        return batch;
    }
}
