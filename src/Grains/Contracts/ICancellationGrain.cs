using Connects.Domain;

namespace Connects.Contracts;

/// <summary>Cancels or removes a job and delivers the refunds it owes. Key: the job id.
/// Separate from the job so the job never waits on a wallet (a wallet waits on jobs while submitting).</summary>
[Alias("Connects.ICancellationGrain")]
public interface ICancellationGrain : IGrainWithStringKey
{
    [Alias("Cancel")] Task<JobView> Cancel(CancelReason reason);
    /// <summary>Delivers every refund the job still owes, fire and forget: for the job's reminder.</summary>
    [OneWay, Alias("Nudge")] Task Nudge();
    /// <summary>Delivers every refund and boost give-back the job still owes, and answers once done (after a bid, so an
    /// outbid's return reaches its wallet at once).</summary>
    [Alias("Deliver")] Task Deliver();
}
