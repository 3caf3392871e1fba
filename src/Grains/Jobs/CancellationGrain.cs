using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>
/// Cancels or removes a job and delivers the refunds it owes, one wallet at a time. Each refund is
/// applied once by the wallet (keyed by job) and then marked on the job, so a delivery cut short by
/// a failure is finished by the next one: the cancel call's retry or the job's reminder. A provisional
/// record whose wallet never paid is dropped from the job instead.
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

    /// <summary>Delivers every refund the job still owes.</summary>
    private async Task DeliverRefunds()
    {
        var contradicted = new List<string>();
        foreach (var refund in await Job.GetRefundsOwed())
        {
            var made = await GrainFactory.Wallet(refund.FreelancerId).Refund(refund);
            if (made.Outcome == RefundOutcome.NeverPaid)
            {
                // A provisional record whose wallet never took its Connects: nothing to give back, the record goes.
                if (await Job.AbandonProposal(refund.FreelancerId, refund.HoldId) == AbandonOutcome.Stands) contradicted.Add(refund.FreelancerId);
                continue;
            }
            await Job.MarkRefunded(refund.FreelancerId);
        }
        // Cannot happen (a record stands only once its wallet vouched, which it does only for a hold it wrote): say so loudly,
        // after the other refunds went out.
        if (contradicted.Count > 0)
            throw new InvalidOperationException($"Job {JobId} keeps proposals whose wallets say they never paid: {string.Join(", ", contradicted)}.");
    }
}
