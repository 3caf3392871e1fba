using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.JobView")]
public sealed record JobView(
    [property: Id(0)] string JobId,
    [property: Id(1)] string ClientId,
    [property: Id(2)] JobStatus Status,
    [property: Id(3)] decimal BudgetUsd,
    [property: Id(4)] BudgetType BudgetType,
    [property: Id(5)] ProjectDuration Duration,
    [property: Id(6)] string Category,
    [property: Id(7)] ConnectPrice Price,
    [property: Id(8)] int ProposalCount,
    [property: Id(9)] DateTimeOffset PostedAt,
    [property: Id(10)] DateTimeOffset? ClosedAt,
    [property: Id(11)] string? HiredFreelancerId,
    [property: Id(12)] IReadOnlyList<RefundMade> Refunds,
    [property: Id(13)] int RefundsPending,
    [property: Id(14)] AuctionView? Auction = null);
