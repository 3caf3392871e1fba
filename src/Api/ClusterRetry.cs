namespace Connects.Api;

/// <summary>
/// Rides out a silo failure: a call the cluster could not complete (a silo gone, a gateway moving,
/// a timeout) is tried again a few times before the API answers 503. Every operation of this API is
/// idempotent (payment references, grant ids, one proposal per job and freelancer, cancel), so a
/// repeat never charges twice. Business refusals are not retried.
/// In a cluster, a call still waiting when membership declares a silo dead (<see cref="SiloDeathWatch"/>) is abandoned
/// and tried again at once: it was most likely waiting on that silo, and would otherwise wait out the response timeout.
/// </summary>
public sealed partial class ClusterRetry(ILogger<ClusterRetry> logger, ISiloDeaths? deaths = null) : IEndpointFilter
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(1)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var aborted = context.HttpContext.RequestAborted;
        for (var attempt = 0; ; attempt++)
        {
            var death = deaths?.NextDeath ?? CancellationToken.None;
            var call = next(context).AsTask();
            try
            {
                return await call.WaitAsync(death);
            }
            catch (OperationCanceledException) when (death.IsCancellationRequested && !call.IsCompleted && attempt < Backoff.Length && !aborted.IsCancellationRequested)
            {
                // The abandoned call may still fail (its timeout) or even succeed: every operation is idempotent, so the
                // retry's answer stands either way. Observe it so its failure is not left unobserved.
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                LogAbandoned(logger, context.HttpContext.Request.Path, attempt + 1);
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < Backoff.Length && !aborted.IsCancellationRequested)
            {
                if (logger.IsEnabled(LogLevel.Information))
#pragma warning disable CA1873 // Guarded just above: the analyzer misses guards of [LoggerMessage] methods (dotnet/sdk#50893).
                    LogRetry(logger, ex.GetType().Name, context.HttpContext.Request.Path, attempt + 1);
#pragma warning restore CA1873
                await Task.Delay(Backoff[attempt], aborted);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A silo was declared dead while {Path} waited on the cluster: retry {Attempt} now")]
    private static partial void LogAbandoned(ILogger logger, PathString path, int attempt);

    public static bool IsTransient(Exception ex) => ex is OrleansException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Exception} on {Path}: retry {Attempt}")]
    private static partial void LogRetry(ILogger logger, string exception, PathString path, int attempt);
}
