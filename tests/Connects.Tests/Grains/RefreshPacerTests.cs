using Connects.Grains;
using Connects.Tests.Support;
using Microsoft.Extensions.Options;

namespace Connects.Tests.Grains;

public sealed class RefreshPacerTests
{
    [Fact]
    public async Task No_more_reminder_refreshes_than_the_setting_run_at_once_and_the_rest_wait_their_turn()
    {
        using var pacer = new RefreshPacer(Options.Create(new WalletProtocolSettings { ReminderRefreshConcurrency = 3 }));
        var running = 0;
        var most = 0;
        var done = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var refreshes = Enumerable.Range(0, 10).Select(_ => pacer.Run(async () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await release.Task;
            Interlocked.Decrement(ref running);
            Interlocked.Increment(ref done);
        })).ToList();

        // Three slots, so three refreshes run (none can finish before the release); a fourth would show in `most`.
        await Eventually.Until(() => Volatile.Read(ref running) == 3, "three refreshes to be running");
        Assert.Equal(0, Volatile.Read(ref done));

        release.SetResult();
        await Task.WhenAll(refreshes);
        Assert.Equal(10, done);
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task A_failed_refresh_gives_its_slot_back()
    {
        using var pacer = new RefreshPacer(Options.Create(new WalletProtocolSettings { ReminderRefreshConcurrency = 1 }));
        await Assert.ThrowsAsync<TimeoutException>(() => pacer.Run(() => throw new TimeoutException("storage")));
        var ran = false;
        await pacer.Run(() => { ran = true; return Task.CompletedTask; }).Within("the next refresh to get the slot back");
        Assert.True(ran);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}
