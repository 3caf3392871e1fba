using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>A job grain as the proposal protocol asks it, on behalf of one freelancer's wallet.</summary>
internal sealed class ProposalJob(IJobGrain job, string jobId, string freelancerId) : IProposalJob
{
    public string JobId => jobId;
    public Task<JobQuote> Quote() => job.Quote(freelancerId);
    public Task<RecordResult> Record(Hold hold) => job.RecordProposal(freelancerId, hold.HoldId, hold.Slices);
    public Task<Proposal?> ResolveHold(string holdId) => job.ResolveHold(freelancerId, holdId);
    public void Vouch(string holdId) => job.Vouch(freelancerId, holdId).Ignore();
    public Task<AbandonOutcome> Abandon(string holdId) => job.AbandonProposal(freelancerId, holdId);
}
