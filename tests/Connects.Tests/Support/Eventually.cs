namespace Connects.Tests.Support;

/// <summary>Waits for something to happen by polling it, with a deadline a 2-core machine under the whole suite's load meets.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    public static Task Until(Func<bool> condition, TimeSpan? deadline = null, Func<string>? describe = null) =>
        Until(() => Task.FromResult(condition()), deadline, describe);

    public static async Task Until(Func<Task<bool>> condition, TimeSpan? deadline = null, Func<string>? describe = null)
    {
        var end = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
                throw new TimeoutException($"The condition did not hold within {(deadline ?? DefaultDeadline).TotalSeconds:0} s. {describe?.Invoke()}");
            await Task.Delay(50);
        }
    }
}
