using System.Diagnostics;
using Connects.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connects.Tests.Api;

/// <summary>The API's retry of cluster calls: a call still waiting when a silo is declared dead is tried again at once.</summary>
public sealed class ClusterRetryTests
{
    private sealed class Deaths : ISiloDeaths
    {
        private CancellationTokenSource _next = new();
        public CancellationToken NextDeath => _next.Token;

        public void Declare()
        {
            var tripped = Interlocked.Exchange(ref _next, new CancellationTokenSource());
            tripped.Cancel();
        }
    }

    private static DefaultEndpointFilterInvocationContext Context() => new(new DefaultHttpContext());

    [Fact]
    public async Task A_call_waiting_when_a_silo_is_declared_dead_is_retried_at_once_and_the_retry_answers()
    {
        var deaths = new Deaths();
        var retry = new ClusterRetry(NullLogger<ClusterRetry>.Instance, deaths);
        var stuck = new TaskCompletionSource<object?>(); // a call to the dead silo: never answered until its timeout
        var attempts = 0;
        var started = new TaskCompletionSource();

        var answer = retry.InvokeAsync(Context(), _ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                started.SetResult();
                return new ValueTask<object?>(stuck.Task);
            }
            return new ValueTask<object?>("answered by a live silo");
        }).AsTask();

        await started.Task;
        Assert.False(answer.IsCompleted);
        var clock = Stopwatch.StartNew();
        deaths.Declare();
        Assert.Equal("answered by a live silo", await answer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, attempts);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the retry took {clock.Elapsed}");

        // The abandoned call failing later (its response timeout) changes nothing and is observed.
        stuck.SetException(new TimeoutException("response timeout"));
    }

    [Fact]
    public async Task A_call_that_answers_is_not_retried_and_a_death_declared_before_it_started_does_not_abandon_it()
    {
        var deaths = new Deaths();
        deaths.Declare();
        var retry = new ClusterRetry(NullLogger<ClusterRetry>.Instance, deaths);
        var attempts = 0;
        var slow = new TaskCompletionSource<object?>();
        var answer = retry.InvokeAsync(Context(), _ =>
        {
            Interlocked.Increment(ref attempts);
            return new ValueTask<object?>(slow.Task);
        }).AsTask();
        slow.SetResult("first answer");
        Assert.Equal("first answer", await answer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Without_news_of_deaths_a_waiting_call_is_left_to_its_own_timeout()
    {
        var retry = new ClusterRetry(NullLogger<ClusterRetry>.Instance);
        var call = new TaskCompletionSource<object?>();
        var attempts = 0;
        var answer = retry.InvokeAsync(Context(), _ =>
        {
            Interlocked.Increment(ref attempts);
            return new ValueTask<object?>(call.Task);
        }).AsTask();
        await Task.Yield();
        Assert.False(answer.IsCompleted);
        call.SetResult("late answer");
        Assert.Equal("late answer", await answer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, attempts);
    }
}
