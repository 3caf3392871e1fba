using System.Diagnostics;

namespace Connects.Tests.Support;

/// <summary>
/// How tests wait: on the event itself (a task that the code under test or a test decorator completes), or, where
/// there is no event to wait on, by polling a condition until a deadline. Never a fixed sleep that guesses how long
/// something takes. The deadline is sized for a 2-core machine running the whole suite at once (in-process clusters,
/// service processes, PostgreSQL clusters): only a broken system misses it, so a passing test does not depend on how
/// busy the machine is, and a failing one still fails (later).
/// </summary>
public static class Eventually
{
    /// <summary>How long a test waits for something that takes milliseconds on a quiet machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> once <paramref name="deadline"/> (default <see cref="Deadline"/>) has passed.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null, TimeSpan? poll = null)
    {
        var limit = deadline ?? Deadline;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"Waited {limit.TotalSeconds:F0} s for {what}.");
            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <inheritdoc cref="Until(Func{Task{bool}}, string, TimeSpan?, TimeSpan?)"/>
    public static Task Until(Func<bool> condition, string what, TimeSpan? deadline = null, TimeSpan? poll = null) =>
        Until(() => Task.FromResult(condition()), what, deadline, poll);

    /// <summary>Waits for an event (the task) up to <paramref name="deadline"/> (default <see cref="Deadline"/>); its own
    /// outcome, exception included, passes through unchanged.</summary>
    public static async Task Within(this Task task, string what, TimeSpan? deadline = null)
    {
        try
        {
            await task.WaitAsync(deadline ?? Deadline);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {(deadline ?? Deadline).TotalSeconds:F0} s for {what}.");
        }
    }

    /// <inheritdoc cref="Within(Task, string, TimeSpan?)"/>
    public static async Task<T> Within<T>(this Task<T> task, string what, TimeSpan? deadline = null)
    {
        await ((Task)task).Within(what, deadline);
        return await task;
    }
}
