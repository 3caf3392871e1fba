using System.Globalization;
using Connects.Contracts;
using Connects.Domain;

namespace Connects.Api;

public sealed record PurchaseResponse(string PaymentReference, int Connects, string PriceUsd, DateTimeOffset ExpiresAt, int Balance)
{
    public static PurchaseResponse From(PurchaseReceipt r) =>
        new(r.PaymentReference, r.Connects, r.PriceUsd.ToString("0.00", CultureInfo.InvariantCulture), r.ExpiresAt, r.Balance);
}

public sealed record ProposalResponse(string JobId, string FreelancerId, int ConnectsCharged, int Balance);

public sealed record ProposalStatusResponse(string JobId, string FreelancerId, ProposalStatus Status, int ConnectsCharged, DateTimeOffset SubmittedAt, bool Refunded);

public sealed record GrantResponse(string GrantId, int Amount, int Balance);

public sealed record HistoryEntry(long Sequence, DateTimeOffset At, LedgerKind Kind, int Amount, int BalanceAfter, string Reference, string? Note)
{
    public static HistoryEntry From(LedgerEntry e) => new(e.Sequence, e.At, e.Kind, e.Amount, e.BalanceAfter, e.Reference, e.Note);
}

public sealed record HistoryResponse(string FreelancerId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<HistoryEntry> Entries, string? NextCursor);

public sealed record ClockResponse(DateTimeOffset Now, string Offset);

public sealed record JobResponse(
    string JobId, string ClientId, JobStatus Status, int ConnectsRequired, ConnectPrice Price,
    decimal BudgetUsd, BudgetType BudgetType, ProjectDuration Duration, string Category,
    int ProposalCount, DateTimeOffset PostedAt, DateTimeOffset? ClosedAt, string? HiredFreelancerId,
    IReadOnlyList<RefundMade> Refunds, int RefundsPending)
{
    public static JobResponse From(JobView j) => new(j.JobId, j.ClientId, j.Status, j.Price.Connects, j.Price, j.BudgetUsd, j.BudgetType,
        j.Duration, j.Category, j.ProposalCount, j.PostedAt, j.ClosedAt, j.HiredFreelancerId, j.Refunds, j.RefundsPending);
}
