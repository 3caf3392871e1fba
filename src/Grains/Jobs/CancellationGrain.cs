using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>
/// Cancels or removes a job and delivers the refunds it owes, one wallet at a time. Each refund is
/// applied once by the wallet (keyed by job) and then marked on the job, so a delivery cut short by
/// a failure is finished by the next one: the cancel call's retry or the job's reminder. A provisional
/// record whose wallet never paid is dropped from the job by that wallet instead (<see cref="RefundRule"/>).
/// </summary>
public sealed class CancellationGrain : Grain, ICancellationGrain
{
    private string JobId => GrainKeys.IdOf(this);
    private IJobGrain Job => GrainFactory.Job(JobId);

    public async Task<JobView> Cancel(CancelReason reason)
    {
        await Job.Cancel(reason);
        await DeliverRefunds();
        return (await Job.GetJob())!;
    }

    public Task Nudge() => DeliverRefunds();

    public Task Deliver() => DeliverRefunds();

    /// <summary>Delivers every refund and boost give-back the job still owes.</summary>
    private async Task DeliverRefunds()
    {
        var failed = new List<Exception>();
        foreach (var refund in await Job.GetRefundsOwed())
        {
            try
            {
                // NeverPaid: a provisional record whose wallet never took its Connects; the wallet had the job drop it.
                if ((await GrainFactory.Wallet(refund.FreelancerId).Refund(refund)).Outcome == RefundOutcome.NeverPaid) continue;
                await Job.MarkRefunded(refund.FreelancerId);
            }
            catch (Exception ex)
            {
                // A refund that cannot be delivered now does not hold up the others; it is delivered next time.
                failed.Add(ex);
            }
        }
        foreach (var owed in await Job.GetGiveBacksOwed())
        {
            try
            {
                // Once per job and holding: the wallet keeps a receipt; a delivery cut short is finished by the next.
                await GrainFactory.Wallet(owed.FreelancerId).GiveBackBid(JobId, owed);
                await Job.MarkGivenBack(owed.FreelancerId, owed.Generation);
            }
            catch (Exception ex)
            {
                failed.Add(ex);
            }
        }
        // The first failure, as it was thrown (a timeout stays a timeout for the caller's retry).
        if (failed.Count > 0) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed[0]);
    }
}
