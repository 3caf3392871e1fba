using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>A job grain as the boost protocol asks it, on behalf of one freelancer's wallet.</summary>
internal sealed class BoostJob(IJobGrain job, string jobId, string freelancerId) : IBoostJob
{
    public string JobId => jobId;
    public Task<BidResult> QuoteBid(int bid, bool proposalRequired) => job.QuoteBid(freelancerId, bid, proposalRequired);
    public Task<BidResult> PlaceBid(int bid, Hold? hold) => job.PlaceBid(freelancerId, bid, hold?.HoldId ?? "", hold?.Slices ?? []);
    public Task<BidResult> ResolveBid(string holdId) => job.ResolveBid(freelancerId, holdId);
}
