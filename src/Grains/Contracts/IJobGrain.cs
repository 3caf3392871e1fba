using Connects.Domain;

namespace Connects.Contracts;

/// <summary>A job and its proposals. Key: the job id.</summary>
[Alias("Connects.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    [Alias("Post")] Task<JobPosted> Post(JobPosting posting);
    [Alias("GetJob")] Task<JobView?> GetJob();
    /// <summary>The job's price now, and <paramref name="freelancerId"/>'s proposal if the job has one (durable): what a
    /// submission needs before it holds Connects, in one call.</summary>
    [Alias("Quote")] Task<JobQuote> Quote(string freelancerId);
    [Alias("RecordProposal")] Task<RecordResult> RecordProposal(string freelancerId, string holdId, IReadOnlyList<Slice> held);
    /// <summary>Decides a hold its wallet cannot settle alone (expired, left by an earlier attempt, behind a provisional
    /// record): the proposal recorded with it, made to stand for good (vouched, durably) before the answer; or null once
    /// the hold is aborted for good.</summary>
    [Alias("ResolveHold")] Task<Proposal?> ResolveHold(string freelancerId, string holdId);
    /// <summary>The wallet vouches that the hold behind a provisional record is durable: the record stands. Written with
    /// the job's next write or when it deactivates; until then a crash leaves the record provisional, and the job asks the
    /// wallet again.</summary>
    [OneWay, Alias("Vouch")] Task Vouch(string freelancerId, string holdId);
    /// <summary>The wallet never paid for a hold and made sure no write of it can still land: a provisional record made
    /// with it is removed, and the hold is aborted for good. A vouched record stands.</summary>
    [Alias("AbandonProposal")] Task<AbandonOutcome> AbandonProposal(string freelancerId, string holdId);
    [Alias("Withdraw")] Task<Proposal> Withdraw(string freelancerId);
    [Alias("Decline")] Task<Proposal> Decline(string freelancerId);
    [Alias("Hire")] Task<JobView> Hire(string freelancerId);
    [Alias("Cancel")] Task<JobView> Cancel(CancelReason reason);
    [Alias("GetRefundsOwed")] Task<IReadOnlyList<RefundOwed>> GetRefundsOwed();
    [Alias("MarkRefunded")] Task MarkRefunded(string freelancerId);
}

[GenerateSerializer, Immutable, Alias("Connects.JobPosting")]
public sealed record JobPosting(
    [property: Id(0)] string ClientId,
    [property: Id(1)] JobTerms Terms,
    [property: Id(2)] string Category);

[GenerateSerializer, Immutable, Alias("Connects.JobPosted")]
public sealed record JobPosted([property: Id(0)] bool Created, [property: Id(1)] JobView Job);

[GenerateSerializer, Immutable, Alias("Connects.JobQuote")]
public sealed record JobQuote(
    [property: Id(0)] bool Posted,
    [property: Id(1)] JobStatus Status,
    [property: Id(2)] ConnectPrice? Price,
    [property: Id(3)] Proposal? Proposal = null);

[GenerateSerializer, Immutable, Alias("Connects.RefundMade")]
public sealed record RefundMade([property: Id(0)] string FreelancerId, [property: Id(1)] int Connects, [property: Id(2)] DateTimeOffset RefundedAt);

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
    [property: Id(13)] int RefundsPending);

/// <summary>Cancels or removes a job and delivers the refunds it owes. Key: the job id.
/// Separate from the job so the job never waits on a wallet (a wallet waits on jobs while submitting).</summary>
[Alias("Connects.ICancellationGrain")]
public interface ICancellationGrain : IGrainWithStringKey
{
    [Alias("Cancel")] Task<JobView> Cancel(CancelReason reason);
    /// <summary>Delivers every refund the job still owes; returns how many were delivered now.</summary>
    [Alias("DeliverRefunds")] Task<int> DeliverRefunds();
    /// <summary>Fire-and-forget delivery, for the job's reminder.</summary>
    [OneWay, Alias("Nudge")] Task Nudge();
}

/// <summary>The demand signal of a job category. Key: the category.</summary>
[Alias("Connects.ICategoryDemandGrain")]
public interface ICategoryDemandGrain : IGrainWithStringKey
{
    [Alias("JobOpened")] Task JobOpened(string jobId);
    [Alias("JobClosed")] Task JobClosed(string jobId);
    [OneWay, Alias("ApplicationReceived")] Task ApplicationReceived();
    [Alias("Measure")] Task<CategoryDemand> Measure();
}
