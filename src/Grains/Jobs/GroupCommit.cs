namespace Connects.Grains;

/// <summary>
/// Group commit for one grain's state: changes made while a write is in flight are made durable together by the
/// next write, so a hot grain writes once per batch instead of once per call.
/// <para>
/// Meant for a grain's own (single-threaded) scheduler: call <see cref="Changed"/> right after a change, then await
/// <see cref="Durable"/> before answering. One write at a time; a failed write fails every caller waiting on it and
/// every later call (the grain must drop its activation and reload: its memory holds changes that may not be stored).
/// </para>
/// </summary>
public sealed class GroupCommit(Func<Task> write)
{
    private long _changes;
    private long _durable;
    private Task? _writing;
    private Exception? _failed;

    public void Changed() => _changes++;

    /// <summary>Completes once every change made before this call is stored.</summary>
    public async Task Durable()
    {
        var target = _changes;
        while (_durable < target)
        {
            if (_failed is not null)
                throw new InvalidOperationException("An earlier write of this grain's state failed; its activation is being dropped.", _failed);
            if (_writing is null)
            {
                var started = WriteOnce();
                if (!started.IsCompleted) _writing = started;
                await started;
            }
            else await _writing;
        }
    }

    private async Task WriteOnce()
    {
        var covering = _changes;
        try
        {
            await write();
            _durable = covering;
        }
        catch (Exception ex)
        {
            _failed = ex;
            throw;
        }
        finally
        {
            _writing = null; // (when the write completed synchronously, it was never set)
        }
    }
}
