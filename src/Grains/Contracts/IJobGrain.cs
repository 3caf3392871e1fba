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
