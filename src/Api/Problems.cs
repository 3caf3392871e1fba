using Connects.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Connects.Api;

/// <summary>RFC 9457 problem details whose <c>type</c> names the rule that refused the request.</summary>
public static class Problems
{
    public const string Validation = "validation";
    public const string Unavailable = "service-unavailable";
    public const string PayloadTooLarge = "payload-too-large";
    public const string RateLimited = "rate-limited";
    public const string InvalidTitle = "The request is not valid.";

    /// <summary>The rule and title of each refusal the framework gives by itself (authentication, authorization,
    /// routing, content negotiation, body limits), so that those answers have the same shape as the domain's.</summary>
    private static readonly Dictionary<int, (string Rule, string Title)> ByStatus = new()
    {
        [StatusCodes.Status400BadRequest] = (Validation, InvalidTitle),
        [StatusCodes.Status401Unauthorized] = ("unauthenticated", "A valid bearer token is required."),
        [StatusCodes.Status403Forbidden] = ("forbidden", "The token's roles do not allow this."),
        [StatusCodes.Status404NotFound] = ("not-found", "Not found."),
        [StatusCodes.Status405MethodNotAllowed] = ("method-not-allowed", "The route does not take this method."),
        [StatusCodes.Status406NotAcceptable] = ("not-acceptable", "The route cannot answer in the media type asked for."),
        [StatusCodes.Status413PayloadTooLarge] = (PayloadTooLarge, "The request body is too large."),
        [StatusCodes.Status415UnsupportedMediaType] = ("unsupported-media-type", "The body must be JSON (Content-Type: application/json)."),
        [StatusCodes.Status429TooManyRequests] = (RateLimited, "Too many writes."),
        [StatusCodes.Status500InternalServerError] = ("internal-error", "The service failed to answer."),
        [StatusCodes.Status503ServiceUnavailable] = (Unavailable, "The service is briefly unavailable."),
    };

    /// <summary>The problem for a refusal of <paramref name="status"/> that no rule of the domain gave.</summary>
    public static ProblemDetails ForStatus(int status, string? detail = null)
    {
        var (rule, title) = ByStatus.TryGetValue(status, out var known) ? known : ("request-refused", "The request was refused.");
        return Make(status, rule, title, detail ?? title);
    }

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
        Title = InvalidTitle,
        Detail = $"{field}: {message}",
    };

    /// <summary>The problem for a rule the domain refused: 400 naming the field, 404, or 409.</summary>
    public static ProblemDetails Of(ConnectsRuleException ex) => ex.Rule switch
    {
        Refusals.InvalidBundle or Refusals.InvalidAmount or Refusals.InvalidExpiry => FieldProblem(ex.Field ?? "body", ex.Message, ex.Rule),
        Refusals.WalletNotOpen or Refusals.JobNotFound or Refusals.ProposalNotFound => Make(StatusCodes.Status404NotFound, ex.Rule, "Not found.", ex.Message),
        _ => Conflict(ex.Rule, "The request conflicts with the current state.", ex.Message, field: ex.Field),
    };

    public static ConflictProblem Conflict(string rule, string title, string detail, int? connectsRequired = null, string? field = null,
        int? currentBid = null) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Type = TypeOf(rule),
        Title = title,
        Detail = detail,
        ConnectsRequired = connectsRequired,
        CurrentBid = currentBid,
        Field = field,
    };

    /// <summary>402: the request needs more Connects than the wallet has available, and says when more arrive.</summary>
    public static InsufficientConnectsProblem InsufficientConnects(string detail, int required, int available, DateTimeOffset? nextRefreshAt) => new()
    {
        Status = StatusCodes.Status402PaymentRequired,
        Type = TypeOf(Refusals.InsufficientConnects),
        Title = "Not enough Connects.",
        Detail = detail,
        Required = required,
        Available = available,
        NextRefreshAt = nextRefreshAt ?? throw new InvalidOperationException("An insufficient-connects answer always says when the next refresh is."),
    };

    /// <summary>
    /// Gives every problem the framework writes by itself the project's shape: a <c>/problems/...</c> type naming the
    /// rule instead of an RFC 9110 link (401, 403, unknown route, 405, 415, ...), one title per status for those; and for
    /// every 400 the one title, fields named as in the JSON (camelCase), and a detail line.
    /// </summary>
    public static void Normalize(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Status is { } status && (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal)))
        {
            var framework = ForStatus(status);
            problem.Type = framework.Type;
            problem.Title = framework.Title;
        }
        if (problem.Status == StatusCodes.Status400BadRequest) problem.Title = InvalidTitle;
        if (problem is not HttpValidationProblemDetails validation)
        {
            problem.Detail ??= problem.Title;
            return;
        }
        validation.Errors = validation.Errors.ToDictionary(
            e => string.Join('.', e.Key.Split('.').Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName)),
            e => e.Value);
        validation.Detail ??= string.Join(" ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
    }

    public static ProblemHttpResult NotFound(string rule, string detail) =>
        TypedResults.Problem(Make(StatusCodes.Status404NotFound, rule, "Not found.", detail));
}
