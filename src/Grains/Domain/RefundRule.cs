using Connects.Contracts;

namespace Connects.Domain;

/// <summary>
/// The refund rule, in one place. All applicants are refunded when the client cancels the job without hiring, or the
/// marketplace removes it.
/// <list type="number">
/// <item><b>Who.</b> Every proposal not withdrawn when the job is cancelled or removed: active, declined and hired ones alike
/// (<see cref="IsOwed"/>, applied by <see cref="Job.Cancel"/>). From then on the job refuses to withdraw or decline its
/// proposals, so a refund owed cannot be lost to a late withdrawal.</item>
/// <item><b>What.</b> Exactly the Connects the proposal was charged, as the slices its capture took: each goes back to its
/// source with its original expiry, and any whose expiry passed while they were away expire at once, dated now
/// (<see cref="Wallet.Refund"/>). A client cancellation gives back purchased and granted Connects with their dates; it never
/// makes Connects live longer than they would have.</item>
/// <item><b>Once.</b> The wallet keeps a receipt per job (<see cref="ReceiptKeys.Refund"/>), found in the wallet or in the
/// receipt books from the cancellation on; the job marks each refund made (<see cref="Job.MarkRefunded"/>). A delivery cut
/// short is finished by the cancel's retry or the job's reminder, and refunds nobody twice (<see cref="Owed"/> lists what is
/// still owed).</item>
/// <item><b>Only what was taken.</b> A proposal whose hold the wallet still has (its capture was cut short) is captured
/// first; a provisional record whose wallet never paid is refunded nothing and dropped. Both follow the settle rule
/// (<see cref="Settlement"/>), carried out by <see cref="ProposalProtocol.Refund"/>.</item>
/// </list>
/// </summary>
public static class RefundRule
{
    /// <summary>Whether a proposal standing when its job is cancelled or removed is owed its Connects back.</summary>
    public static bool IsOwed(Proposal proposal) => proposal.Status != ProposalStatus.Withdrawn;

    /// <summary>The refunds a cancelled or removed job still owes: those owed at its cancellation and not yet made.</summary>
    public static IReadOnlyList<RefundOwed> Owed(JobState job) =>
        job.Status is not (JobStatus.Cancelled or JobStatus.Removed)
            ? []
            : job.Proposals.Values
                .Where(p => p.RefundOwed && p.RefundedAt is null)
                .Select(p => new RefundOwed(job.JobId, p.FreelancerId, p.Charged, job.ClosedAt!.Value, p.HoldId, p.AwaitingWallet, p.SubmittedAt))
                .ToList();
}
