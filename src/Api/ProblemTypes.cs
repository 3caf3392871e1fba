using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Connects.Api;

// The refusals whose problem details carry fields of their own. The API answers with these types, and the OpenAPI
// document describes them from the same types, so a generated client reads the fields typed.

/// <summary>402 <c>/problems/insufficient-connects</c>: what the request needs (a proposal's price, its boost bid, or both
/// together; for a raise, what the raise needs) is more than the wallet has available.</summary>
public sealed class InsufficientConnectsProblem : ProblemDetails
{
    /// <summary>Connects the request needs: the proposal's price plus any bid, or what a bid needs now.</summary>
    public required int Required { get; init; }

    /// <summary>Connects the wallet could spend now (balance less what is held for submissions in flight).</summary>
    public required int Available { get; init; }

    /// <summary>When the wallet's next monthly allotment arrives.</summary>
    public required DateTimeOffset NextRefreshAt { get; init; }
}

/// <summary>409: the request conflicts with the current state. <c>/problems/price-changed</c> carries
/// <c>connectsRequired</c> (submit again with <c>expectedConnects</c> at least that); <c>/problems/bid-not-higher</c> carries
/// <c>currentBid</c> and the <c>field</c> of the bid (a raise must be above it); <c>/problems/auction-closed</c>,
/// <c>/problems/job-not-open</c>, <c>/problems/job-conflict</c>, <c>/problems/proposal-not-active</c> and
/// <c>/problems/reference-reused</c> may name the <c>field</c> at fault.</summary>
public sealed class ConflictProblem : ProblemDetails
{
    /// <summary>The job's price now, in Connects (<c>price-changed</c> only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ConnectsRequired { get; init; }

    /// <summary>The proposal's boost bid now, in Connects (<c>bid-not-higher</c> only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CurrentBid { get; init; }

    /// <summary>The request field the conflict is about, when there is one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }
}
