namespace Connects.Api;

/// <summary>
/// Rides out a silo failure: a call the cluster could not complete (a silo gone, a gateway moving,
/// a timeout) is tried again a few times before the API answers 503. Every operation of this API is
/// idempotent (payment references, grant ids, one proposal per job and freelancer, cancel), so a
/// repeat never charges twice. Business refusals are not retried.
/// </summary>
public sealed partial class ClusterRetry(ILogger<ClusterRetry> logger) : IEndpointFilter
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(1)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < Backoff.Length && !context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, context.HttpContext.Request.Path, attempt + 1);
                await Task.Delay(Backoff[attempt], context.HttpContext.RequestAborted);
            }
        }
    }

    public static bool IsTransient(Exception ex) => ex is OrleansException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Exception} on {Path}: retry {Attempt}")]
    private static partial void LogRetry(ILogger logger, string exception, string path, int attempt);
}
