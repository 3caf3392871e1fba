using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>
/// Cancels or removes a job and delivers the refunds it owes, one wallet at a time. Each refund is
/// applied once by the wallet (keyed by job) and then marked on the job, so a delivery cut short by
/// a failure is finished by the next one: the cancel call's retry or the job's reminder.
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

    public async Task<int> DeliverRefunds()
    {
        var delivered = 0;
        foreach (var refund in await Job.GetRefundsOwed())
        {
            await GrainFactory.Wallet(refund.FreelancerId).Refund(refund);
            await Job.MarkRefunded(refund.FreelancerId);
            delivered++;
        }
        return delivered;
    }

    public Task Nudge() => DeliverRefunds();
}
