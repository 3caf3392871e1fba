namespace Connects.Api;

/// <summary>Refuses a body larger than <see cref="ApiLimits.MaxRequestBodyBytes"/> with 413 before anything reads it
/// (Kestrel enforces the same limit on bodies without a Content-Length).</summary>
public sealed class BodySizeLimit(RequestDelegate next, ApiLimits limits)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.ContentLength > limits.MaxRequestBodyBytes)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = Problems.Make(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The request body is too large.",
                    $"Bodies are limited to {limits.MaxRequestBodyBytes} bytes."),
            });
            return;
        }
        await next(http);
    }
}
