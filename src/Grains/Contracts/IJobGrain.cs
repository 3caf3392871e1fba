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
    /// <summary>What a boost bid would do now (<see cref="Auction.Quote"/>), changing nothing; with
    /// <paramref name="proposalRequired"/> false, also the proposal's own price for this freelancer.</summary>
    [Alias("QuoteBid")] Task<BidResult> QuoteBid(string freelancerId, int bid, bool proposalRequired);
    /// <summary>Places a boost bid backed by a wallet's hold (empty <paramref name="holdId"/>: it needs none), durably.</summary>
    [Alias("PlaceBid")] Task<BidResult> PlaceBid(string freelancerId, int bid, string holdId, IReadOnlyList<Slice> held);
    /// <summary>Decides a bid hold its wallet cannot settle alone: placed (charged), or aborted for good (durably).</summary>
    [Alias("ResolveBid")] Task<BidResult> ResolveBid(string freelancerId, string holdId);
    [Alias("GetGiveBacksOwed")] Task<IReadOnlyList<BoostGiveBack>> GetGiveBacksOwed();
    [Alias("MarkGivenBack")] Task MarkGivenBack(string freelancerId, int generation);
    /// <summary>The client invites a freelancer; returns whether the invitation is new.</summary>
    [Alias("Invite")] Task<bool> Invite(string freelancerId);
    /// <summary>The client's list in rank order (<see cref="Auction.Ranking"/>), or null if the job was never posted.</summary>
    [Alias("GetProposals")] Task<IReadOnlyList<RankedProposal>?> GetProposals();
}
