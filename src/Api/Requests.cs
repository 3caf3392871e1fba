using System.ComponentModel.DataAnnotations;

namespace Connects.Api;

/// <summary>What the API accepts. Validated at the edge by ASP.NET Core's validation; a bad field is a 400 naming it.</summary>
public static class Ids
{
    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";
    public const string Message = "Must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.";
    public const string ReferencePattern = "^[A-Za-z0-9_.:-]{1,128}$";
    public const string ReferenceMessage = "Must be 1-128 characters of A-Z, a-z, 0-9, '_', '.', ':' or '-'.";
    public const string CategoryPattern = "^[a-z0-9][a-z0-9-]{0,63}$";
    public const string CategoryMessage = "Must be 1-64 characters of a-z, 0-9 or '-', starting with a letter or digit.";
}

public sealed record OpenWalletRequest([Required] Wire.Plan? Plan);

public sealed record ChangePlanRequest([Required] Wire.Plan? Plan);

public sealed record PurchaseRequest(
    [Required, Range(1, 100_000)] int? Bundle,
    [Required, RegularExpression(Ids.ReferencePattern, ErrorMessage = Ids.ReferenceMessage)] string? PaymentReference);

public sealed record PostJobRequest(
    [Required, RegularExpression(Ids.Pattern, ErrorMessage = Ids.Message)] string? ClientId,
    [Required, Range(typeof(decimal), "0.01", "10000000")] decimal? BudgetUsd,
    [Required] Wire.BudgetType? BudgetType,
    [Required] Wire.ProjectDuration? Duration,
    [Required, RegularExpression(Ids.CategoryPattern, ErrorMessage = Ids.CategoryMessage)] string? Category);

public sealed record SubmitProposalRequest(
    [Required, RegularExpression(Ids.Pattern, ErrorMessage = Ids.Message)] string? FreelancerId,
    [Required, Range(1, 10_000)] int? ExpectedConnects,
    [Range(1, 10_000)] int? BoostBid = null);

public sealed record BoostRequest([Required, Range(1, 10_000)] int? Bid);

public sealed record InvitationRequest([Required, RegularExpression(Ids.Pattern, ErrorMessage = Ids.Message)] string? FreelancerId);

public sealed record HireRequest([Required, RegularExpression(Ids.Pattern, ErrorMessage = Ids.Message)] string? FreelancerId);

public sealed record CancelRequest([Required] Wire.CancelReason? Reason);

public sealed record GrantRequest(
    [Required, RegularExpression(Ids.ReferencePattern, ErrorMessage = Ids.ReferenceMessage)] string? GrantId,
    [Required, Range(1, 1_000_000)] int? Amount,
    [Required, StringLength(200, MinimumLength = 1)] string? Reason,
    DateTimeOffset? ExpiresAt = null);

public sealed record AdvanceClockRequest([Required, StringLength(32, MinimumLength = 2)] string? AdvanceBy);

/// <summary>A webhook endpoint to register: its URL and the event types it is sent.</summary>
public sealed record RegisterWebhookRequest(
    [Required, StringLength(2048)] string? Url,
    [Required, MaxLength(32)] IReadOnlyList<string>? Types);

/// <summary>Redeliver to an endpoint every event made at or after <c>from</c> (the Connects clock's time, as in each event's
/// <c>time</c>), then carry on; a disabled endpoint is enabled again.</summary>
public sealed record ReplayWebhookRequest([Required] DateTimeOffset? From);
