using Connects.Domain;
using Microsoft.AspNetCore.Mvc;

namespace Connects.Api;

/// <summary>RFC 9457 problem details whose <c>type</c> names the rule that refused the request.</summary>
public static class Problems
{
    public const string Validation = "validation";
    public const string Unavailable = "service-unavailable";

    public static string TypeOf(string rule) => "/problems/" + rule;

    public static ProblemDetails Make(int status, string rule, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypeOf(rule), Title = title, Detail = detail };
        if (extensions is not null)
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        return problem;
    }

    /// <summary>400 naming the field at fault.</summary>
    public static IResult BadField(string field, string message) =>
        TypedResults.Problem(FieldProblem(field, message));

    public static HttpValidationProblemDetails FieldProblem(string field, string message, string rule = Validation) => new(
        new Dictionary<string, string[]> { [field] = [message] })
    {
        Status = StatusCodes.Status400BadRequest,
        Type = TypeOf(rule),
        Title = "The request is not valid.",
        Detail = $"{field}: {message}",
    };

    /// <summary>The problem for a rule the domain refused: 400 naming the field, 404, or 409.</summary>
    public static ProblemDetails Of(ConnectsRuleException ex) => ex.Rule switch
    {
        Refusals.InvalidBundle or Refusals.InvalidAmount or Refusals.InvalidExpiry => FieldProblem(ex.Field ?? "body", ex.Message, ex.Rule),
        Refusals.WalletNotOpen or Refusals.JobNotFound or Refusals.ProposalNotFound => Make(StatusCodes.Status404NotFound, ex.Rule, "Not found.", ex.Message),
        _ => Make(StatusCodes.Status409Conflict, ex.Rule, "The request conflicts with the current state.", ex.Message,
            ex.Field is null ? null : new Dictionary<string, object?> { ["field"] = ex.Field }),
    };

    /// <summary>
    /// Gives every 400 from ASP.NET Core's own validation the project's shape: type /problems/validation,
    /// fields named as in the JSON (camelCase), and a detail line.
    /// </summary>
    public static void Normalize(ProblemDetails problem)
    {
        if (problem is not HttpValidationProblemDetails validation) return;
        if (validation.Type is null || validation.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            validation.Type = TypeOf(Validation);
        validation.Errors = validation.Errors.ToDictionary(
            e => string.Join('.', e.Key.Split('.').Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName)),
            e => e.Value);
        validation.Detail ??= string.Join(" ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
    }

    public static IResult NotFound(string rule, string detail) =>
        TypedResults.Problem(Make(StatusCodes.Status404NotFound, rule, "Not found.", detail));
}
