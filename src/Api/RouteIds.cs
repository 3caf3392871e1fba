using System.Text.RegularExpressions;

namespace Connects.Api;

/// <summary>Every id in a route (<c>{freelancerId}</c>, <c>{jobId}</c>) must be 1-64 characters of [A-Za-z0-9_-].</summary>
public sealed partial class RouteIds : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var (name, value) in context.HttpContext.Request.RouteValues)
        {
            if (!name.EndsWith("Id", StringComparison.Ordinal)) continue;
            if (value is not string id || !IdPattern().IsMatch(id))
                return ValueTask.FromResult<object?>(Problems.BadField(name, Ids.Message));
        }
        return next(context);
    }

    [GeneratedRegex(Ids.Pattern)]
    private static partial Regex IdPattern();
}
