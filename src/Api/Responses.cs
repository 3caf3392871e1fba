using System.Text.Json.Serialization;
using System.Globalization;
using Connects.Contracts;
using Connects.Domain;

namespace Connects.Api;

// Every HTTP body the API answers (but problem details) is one of these: the API owns its wire format and maps to it from
// the domain's and the grains' types, which carry none. Field names and shapes are the API's contract. XML summaries here
// are the descriptions of the API reference (OpenAPI).

/// <summary>What a wallet shows at an instant.</summary>
public sealed record WalletResponse(
    string FreelancerId, Wire.Plan Plan, Wire.Plan? NextPlan, int Balance, int Held, int Available,
    IReadOnlyList<BucketResponse> Buckets, int MonthlyAllotment, DateTimeOffset NextRefreshAt, int ExpiringWithin30Days,
    DateTimeOffset BillingAnchor, int Cycle)
{
    public static WalletResponse From(WalletView w) => new(w.FreelancerId, w.Plan.ToWire(), w.NextPlan?.ToWire(), w.Balance, w.Held,
        w.Available, [.. w.Buckets.Select(BucketResponse.From)], w.MonthlyAllotment, w.NextRefreshAt, w.ExpiringWithin30Days,
        w.BillingAnchor, w.Cycle);
}

/// <summary>Connects of one source and expiry, in the order they are spent.</summary>
public sealed record BucketResponse(Wire.BucketSource Source, int Amount, DateTimeOffset? ExpiresAt)
{
    public static BucketResponse From(Slice s) => new(s.Source.ToWire(), s.Amount, s.ExpiresAt);
}

public sealed record PurchaseResponse(string PaymentReference, int Connects, string PriceUsd, DateTimeOffset ExpiresAt, int Balance)
{
    public static PurchaseResponse From(PurchaseReceipt r) =>
        new(r.PaymentReference, r.Connects, r.PriceUsd.ToString("0.00", CultureInfo.InvariantCulture), r.ExpiresAt, r.Balance);
}

/// <summary>A submitted proposal: the Connects its price charged, the balance after (its bid taken too), its boost bid (0 when
/// none) and whether the bid holds one of the top spots.</summary>
public sealed record ProposalResponse(string JobId, string FreelancerId, int ConnectsCharged, int Balance, int BoostBid, bool Boosted);

/// <summary>A freelancer's boost bid on a job: the bid, what this request charged, and whether it is in the top spots.</summary>
public sealed record BoostResponse(string JobId, string FreelancerId, int Bid, int Charged, bool Boosted, int Balance);

/// <summary>A client's list of proposals in rank order: boosted ones by bid, then the rest by submission time.</summary>
public sealed record ProposalListResponse(string JobId, IReadOnlyList<RankedProposalResponse> Proposals);

public sealed record RankedProposalResponse(string FreelancerId, Wire.ProposalStatus Status, bool Boosted, int BoostBid, DateTimeOffset SubmittedAt)
{
    public static RankedProposalResponse From(RankedProposal p) => new(p.FreelancerId, p.Status.ToWire(), p.Boosted, p.BoostBid, p.SubmittedAt);
}

public sealed record InvitationResponse(string JobId, string FreelancerId);

/// <summary>The auction for a job's boosted spots: winning bids highest first; minimumToEnter is null once closed.</summary>
public sealed record AuctionResponse(bool Open, DateTimeOffset ClosesAt, int Spots, IReadOnlyList<int> WinningBids, int? MinimumToEnter)
{
    public static AuctionResponse From(AuctionView a) => new(a.Open, a.ClosesAt, a.Spots, a.WinningBids, a.MinimumToEnter);
}

public sealed record ProposalStatusResponse(
    string JobId, string FreelancerId, Wire.ProposalStatus Status, int ConnectsCharged, DateTimeOffset SubmittedAt, bool Refunded)
{
    public static ProposalStatusResponse From(string jobId, Proposal p) =>
        new(jobId, p.FreelancerId, p.Status.ToWire(), p.ConnectsCharged, p.SubmittedAt, p.RefundedAt is not null);
}

public sealed record GrantResponse(string GrantId, int Amount, int Balance);

public sealed record HistoryEntry(
    long Sequence, DateTimeOffset At, Wire.LedgerKind Kind, int Amount, int BalanceAfter, string Reference, string? Note)
{
    public static HistoryEntry From(LedgerEntry e) => new(e.Sequence, e.At, e.Kind.ToWire(), e.Amount, e.BalanceAfter, e.Reference, e.Note);
}

public sealed record HistoryResponse(string FreelancerId, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<HistoryEntry> Entries, string? NextCursor);

/// <summary>One event of a wallet's feed, as CloudEvents 1.0 structured-mode JSON (its attribute names as the
/// specification spells them). <c>id</c> is stable: the same event always carries the same id.</summary>
public sealed record EventResponse(
    [property: JsonPropertyName("specversion")] string SpecVersion,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("datacontenttype")] string DataContentType,
    [property: JsonPropertyName("data")] EventData Data)
{
    /// <summary>The events' source: this service.</summary>
    public const string ServiceSource = ConnectsEvent.Source;

    public static EventResponse From(ConnectsEvent e) => new("1.0", e.Id, ServiceSource, e.Type, e.Subject, e.Time, "application/json",
        new EventData(e.Kind.ToWire(), e.Amount, e.BalanceAfter, e.Reference, e.Sequence, e.Note));
}

/// <summary>What changed: the ledger entry's kind, signed amount, balance after it, reference and the subject's sequence.</summary>
public sealed record EventData(Wire.LedgerKind Kind, int Amount, int BalanceAfter, string Reference, long Sequence, string? Note);

/// <summary>A page of a wallet's events, oldest first; <c>nextCursor</c> is the <c>after</c> of the next page (the last
/// sequence given, or the one asked after when there is none yet: poll with it).</summary>
public sealed record EventFeedResponse(string FreelancerId, IReadOnlyList<EventResponse> Events, string NextCursor);

public sealed record ClockResponse(DateTimeOffset Now, string Offset);

public sealed record JobResponse(
    string JobId, string ClientId, Wire.JobStatus Status, int ConnectsRequired, PriceResponse Price,
    decimal BudgetUsd, Wire.BudgetType BudgetType, Wire.ProjectDuration Duration, string Category,
    int ProposalCount, DateTimeOffset PostedAt, DateTimeOffset? ClosedAt, string? HiredFreelancerId,
    IReadOnlyList<RefundResponse> Refunds, int RefundsPending, AuctionResponse Auction)
{
    public static JobResponse From(JobView j) => new(j.JobId, j.ClientId, j.Status.ToWire(), j.Price.Connects, PriceResponse.From(j.Price),
        j.BudgetUsd, j.BudgetType.ToWire(), j.Duration.ToWire(), j.Category, j.ProposalCount, j.PostedAt, j.ClosedAt, j.HiredFreelancerId,
        [.. j.Refunds.Select(RefundResponse.From)], j.RefundsPending,
        AuctionResponse.From(j.Auction ?? throw new InvalidOperationException("A job's view always carries its auction.")));
}

/// <summary>A job's price in Connects and the components it came from.</summary>
public sealed record PriceResponse(
    int Connects, int DurationBase, int BudgetPoints, decimal EffectiveBudgetUsd, double DemandMultiplier,
    double ApplicationsPerJob, double Unclamped, int MinConnects, int MaxConnects)
{
    public static PriceResponse From(ConnectPrice p) => new(p.Connects, p.DurationBase, p.BudgetPoints, p.EffectiveBudgetUsd,
        p.DemandMultiplier, p.ApplicationsPerJob, p.Unclamped, p.MinConnects, p.MaxConnects);
}

public sealed record RefundResponse(string FreelancerId, int Connects, DateTimeOffset RefundedAt)
{
    public static RefundResponse From(RefundMade r) => new(r.FreelancerId, r.Connects, r.RefundedAt);
}

public sealed record AuditResponse(DateTimeOffset At, bool Clean, IReadOnlyList<AuditFindingResponse> Findings, AuditTotalsResponse Totals)
{
    public static AuditResponse From(AuditReport r) =>
        new(r.At, r.Clean, [.. r.Findings.Select(AuditFindingResponse.From)], AuditTotalsResponse.From(r.Totals));
}

public sealed record AuditFindingResponse(string Kind, string Subject, string Detail)
{
    public static AuditFindingResponse From(AuditFinding f) => new(f.Kind, f.Subject, f.Detail);
}

public sealed record AuditTotalsResponse(
    int Wallets, int Jobs, int Proposals, long Balance,
    long Opened, long Refreshed, long Granted, long Purchased, long Refunded,
    long Spent, long Forfeited, long Expired)
{
    public long Issued { get; init; }
    /// <summary>Connects bid for boosted spots, and those given back (returned after an outbid or refunded).</summary>
    public long BoostBids { get; init; }
    public long BoostGivenBack { get; init; }

    public static AuditTotalsResponse From(AuditTotals t) => new(t.Wallets, t.Jobs, t.Proposals, t.Balance,
        t.Opened, t.Refreshed, t.Granted, t.Purchased, t.Refunded, t.Spent, t.Forfeited, t.Expired)
    { Issued = t.Issued, BoostBids = t.BoostBids, BoostGivenBack = t.BoostGivenBack };
}

/// <summary>A registered webhook endpoint, as listed (its secret is shown only when it is registered).</summary>
/// <summary>A registered webhook endpoint; <c>disabledAt</c> is set once its delivery gave up after failing for the whole
/// retry window (a replay enables it again).</summary>
public sealed record WebhookResponse(string Id, string Url, IReadOnlyList<string> Types, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt)
{
    public static WebhookResponse From(WebhookEndpoint e) => new(e.Id, e.Url, e.Types, e.CreatedAt, e.DisabledAt);
}

/// <summary>One attempt to deliver an event: the event, when, whether the endpoint acknowledged it (any 2xx), the HTTP
/// status if there was an answer, why it failed if it did, and which attempt at this event it was.</summary>
public sealed record DeliveryAttemptResponse(string EventId, string Type, string Subject, DateTimeOffset At, bool Delivered, int? Status, string? Error, int Attempt)
{
    public static DeliveryAttemptResponse From(DeliveryAttempt a) => new(a.EventId, a.Type, a.Subject, a.At, a.Delivered, a.Status, a.Error, a.Attempt);
}

/// <summary>An endpoint's recent delivery attempts, newest first, and the silo delivering to it (host:port; null before
/// its first delivery has started).</summary>
public sealed record DeliveryListResponse(string WebhookId, DateTimeOffset? DisabledAt, string? Silo, IReadOnlyList<DeliveryAttemptResponse> Deliveries);

/// <summary>A replay accepted: events made at or after <c>from</c> are delivered again, in order, from now on.</summary>
public sealed record ReplayResponse(string WebhookId, DateTimeOffset From);

/// <summary>A webhook endpoint just registered, with its signing secret (Standard Webhooks, <c>whsec_</c> + base64): shown this once.</summary>
public sealed record WebhookCreatedResponse(string Id, string Url, IReadOnlyList<string> Types, string Secret, DateTimeOffset CreatedAt);

public sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Webhooks);
