using System.Text.Json;
using Connects.Domain;
using Microsoft.AspNetCore.Diagnostics;

namespace Connects.Api;

/// <summary>
/// Turns what escapes an endpoint into problem details: unreadable or ill-typed JSON → 400 naming
/// the field; a rule the domain refused → its status; the cluster not answering → 503 with
/// Retry-After (the caller retries with the same idempotency key: nothing is charged twice).
/// </summary>
public sealed partial class ErrorHandling(IProblemDetailsService problems, ILogger<ErrorHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => BadRequest(bad),
            ConnectsRuleException rule => Problems.Of(rule),
            _ when ClusterRetry.IsTransient(exception) || exception is OperationCanceledException && !httpContext.RequestAborted.IsCancellationRequested =>
                Problems.Make(StatusCodes.Status503ServiceUnavailable, Problems.Unavailable,
                    "The service is briefly unavailable.", "Retry the same request; it is safe to repeat."),
            _ => null,
        };
        if (problem is null) return false;
        var status = problem.Status!.Value;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(logger, exception, httpContext.Request.Path);
            httpContext.Response.Headers.RetryAfter = "1";
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails BadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status400BadRequest)
        {
            var json = bad.InnerException as JsonException ?? bad.InnerException?.InnerException as JsonException;
            var field = FieldOf(json?.Path);
            var message = json is not null ? Describe(json)
                : bad.Message.Contains("no body was provided", StringComparison.Ordinal) ? "A JSON body is required."
                : bad.Message;
            return Problems.FieldProblem(field, message);
        }
        return Problems.ForStatus(bad.StatusCode, bad.Message);
    }

    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? "body" : field;
    }

    private static string Describe(JsonException json) =>
        json.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "Unknown field."
        : json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) ? "The property appears more than once; send it once."
        : json.Message.Contains("is invalid after", StringComparison.Ordinal) || json.Message.Contains("invalid start", StringComparison.Ordinal) ? "The body is not valid JSON."
        : "The value is not of the expected type or is not one of the allowed values.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster did not answer {Path}; answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception ex, string path);
}
