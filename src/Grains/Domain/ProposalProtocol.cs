using Connects.Contracts;

namespace Connects.Domain;

/// <summary>
/// The submission protocol, the wallet's side, in one place: hold, record on the job, capture; and every settlement of a
/// proposal half made (<see cref="Settlement"/> decides, this carries its steps out). Plain C#: the wallet grain supplies the
/// activation (<see cref="IWalletActivation"/>: time, writes, archive) and the jobs (<see cref="IProposalJob"/>), and the
/// property tests drive the same code with jobs and writes of their own, faults included.
/// <para>
/// One durable write on the critical path: the hold's write and the job's record run at once. The job's record is
/// provisional until the wallet vouches that the hold is durable, and the capture is decided once both are durable, so it
/// need not be written at once (docs/design.md, "The submission protocol").
/// </para>
/// </summary>
public sealed class ProposalProtocol(Wallet wallet, IWalletActivation activation, Func<string, IProposalJob> jobs, int maxPriceRetries = 3)
{
    private DateTimeOffset Now => activation.Now;

    /// <summary>Submits a proposal to <paramref name="jobId"/> at a price no higher than <paramref name="expectedConnects"/>.
    /// Exactly once per job: a retry answers what the first attempt did, finishing it if it was cut short.</summary>
    public async Task<SubmissionResult> Submit(string jobId, int expectedConnects)
    {
        if (!wallet.State.IsOpen) return new SubmissionResult(SubmissionOutcome.WalletNotFound);
        var job = jobs(jobId);

        // One call gives the price and the job's record of this freelancer, if any: a retry after the job recorded a
        // proposal finishes what that attempt started, unless it never paid.
        var quote = await job.Quote();
        if (quote.Proposal is { } existing && await Stands(job, existing.HoldId, existing.ConnectsCharged, existing.AwaitingWallet, existing.SubmittedAt))
            return AlreadySubmitted(existing.ConnectsCharged);

        // A hold left by an earlier attempt whose record may still reach the job (a request that timed out can be delivered
        // late): the job decides it now, as it does for an expired hold, so the wallet never gives back Connects the job could
        // still take. Every hold below is then this attempt's own.
        if (wallet.FindHold(jobId) is { } leftover && await SettleHeld(job, leftover, write: true) is { } earlier)
            return AlreadySubmitted(earlier.ConnectsCharged);

        for (var attempt = 0; attempt < maxPriceRetries; attempt++)
        {
            // The first attempt holds at the price just quoted (the job checks it again when it records); a retry asks again.
            if (attempt > 0 || quote.Proposal is not null) quote = await job.Quote();
            if (!quote.Posted) return new SubmissionResult(SubmissionOutcome.JobNotFound);
            if (quote.Status != JobStatus.Open) return new SubmissionResult(SubmissionOutcome.JobNotOpen);
            var price = quote.Invited ? 0 : quote.Price!.Connects;
            if (price > expectedConnects) return new SubmissionResult(SubmissionOutcome.PriceChanged, ConnectsRequired: price);

            var hold = wallet.Reserve(jobId, price, Now, activation.HoldTag);
            if (hold is null)
                return new SubmissionResult(SubmissionOutcome.InsufficientConnects, ConnectsRequired: price,
                    Balance: wallet.Balance, Available: wallet.Available, NextRefreshAt: wallet.CurrentCycle.End);

            var recorded = await HoldAndRecord(job, hold);
            switch (recorded.Outcome)
            {
                case RecordOutcome.Recorded or RecordOutcome.AlreadyRecorded when recorded.Proposal!.HoldId == hold.HoldId:
                    // Decided: the hold and the job's record are durable, so the capture need not be. It is made in memory
                    // (every read answers from memory) and written with the next write; if the activation dies first, the
                    // stored hold is settled with the job like an expired one: captured, because recorded.
                    wallet.Capture(hold.HoldId, recorded.Proposal.ConnectsCharged, Now);
                    activation.SaveSoon();
                    job.Vouch(hold.HoldId);
                    return new SubmissionResult(
                        recorded.Outcome == RecordOutcome.Recorded ? SubmissionOutcome.Submitted : SubmissionOutcome.AlreadySubmitted,
                        recorded.Proposal.ConnectsCharged, wallet.Balance);
                case RecordOutcome.AlreadyRecorded:
                    // An earlier attempt's record reached the job first (delivered late): this hold is not needed.
                    await Release(hold);
                    var first = recorded.Proposal!;
                    if (await Stands(job, first.HoldId, first.ConnectsCharged, first.AwaitingWallet, first.SubmittedAt))
                        return AlreadySubmitted(first.ConnectsCharged);
                    continue;
                case RecordOutcome.PriceAboveHold or RecordOutcome.HoldAborted:
                    await Release(hold);
                    continue;
                case RecordOutcome.JobNotOpen:
                    await Release(hold);
                    return new SubmissionResult(SubmissionOutcome.JobNotOpen);
                default:
                    await Release(hold);
                    return new SubmissionResult(SubmissionOutcome.JobNotFound);
            }
        }
        var latest = await job.Quote();
        return new SubmissionResult(SubmissionOutcome.PriceChanged, ConnectsRequired: latest.Price?.Connects ?? 0);
    }

    /// <summary>A job asks about its provisional record made with <paramref name="holdId"/>: the wallet settles it, and the
    /// record then stands (vouched) or goes (abandoned).</summary>
    public async Task Confirm(string jobId, string holdId)
    {
        var job = jobs(jobId);
        // No wallet: no hold was ever written, so nothing to fence.
        if (!wallet.State.IsOpen)
        {
            await job.Abandon(holdId);
            return;
        }
        await Stands(job, holdId, charged: null, provisional: true, submittedAt: null);
    }

    /// <summary>Applies a refund the job owes (<see cref="RefundRule"/>): once, and only of what was taken.</summary>
    public async Task<RefundResult> Refund(RefundOwed refund, Receipt? refundedBefore)
    {
        if (refundedBefore is not null) return new RefundResult(RefundOutcome.AlreadyRefunded);
        if (!await Stands(jobs(refund.JobId), refund.HoldId, refund.Amount, refund.AwaitingWallet, refund.SubmittedAt, knownSubmittedAt: true))
            return new RefundResult(RefundOutcome.NeverPaid);
        wallet.Refund(refund.JobId, refund.Slices, Now);
        await activation.Save();
        return new RefundResult(RefundOutcome.Refunded);
    }

    /// <summary>Settles, with their jobs, the holds an earlier activation left (<paramref name="everyHold"/>) or that expired:
    /// each is captured or released as its job decides. A job that does not answer leaves its hold for later. Returns whether
    /// anything changed; the caller writes it.</summary>
    public async Task<bool> SettleHolds(bool everyHold)
    {
        var changed = false;
        foreach (var hold in wallet.HoldsToSettle(Now, everyHold))
        {
            try
            {
                await SettleHeld(jobs(hold.JobId), hold, write: false);
                changed = true;
            }
            catch (Exception ex)
            {
                activation.Deferred($"settling hold {hold.HoldId} with its job", ex);
                activation.ResolveHoldsLater();
            }
        }
        return changed;
    }

    /// <summary>
    /// The hold's write and the job's record, at once. A failed hold write: the hold may or may not be stored, so the job
    /// drops a provisional record made with it and aborts it for good (neither a stored copy nor a late record can take
    /// Connects); the failure is rethrown, and the activation goes away. An unknown record: the durable hold is settled with
    /// the job later (when it expires, by the caller's retry, or when the job asks about its provisional record).
    /// </summary>
    private async Task<RecordResult> HoldAndRecord(IProposalJob job, Hold hold)
    {
        var holding = activation.Save();
        var recording = job.Record(hold);
        try
        {
            await Task.WhenAll(holding, recording);
        }
        catch
        {
            // Each outcome is looked at below.
        }
        if (!holding.IsCompletedSuccessfully)
        {
            if (!recording.IsCompletedSuccessfully || recording.Result.Proposal?.HoldId == hold.HoldId)
            {
                try
                {
                    await job.Abandon(hold.HoldId);
                }
                catch (Exception ex)
                {
                    // The caller's retry, or the job asking about its provisional record, settles it.
                    activation.Deferred($"abandoning hold {hold.HoldId} after its write failed", ex);
                }
            }
            await holding;
        }
        if (!recording.IsCompletedSuccessfully)
        {
            activation.ResolveHoldsLater();
            await recording;
        }
        return recording.Result;
    }

    /// <summary>
    /// The settle rule for a record of the job (<see cref="Settlement.ForRecord"/>): whether the proposal stands, paid by this
    /// wallet. <paramref name="charged"/> is the record's price when known; <paramref name="submittedAt"/> its submission, which
    /// says from which receipt book on its payment may be archived (looked up from the job when not
    /// <paramref name="knownSubmittedAt"/> and null).
    /// </summary>
    private async Task<bool> Stands(IProposalJob job, string holdId, int? charged, bool provisional, DateTimeOffset? submittedAt,
        bool knownSubmittedAt = false)
    {
        var held = wallet.FindHold(job.JobId);
        var step = Settlement.ForRecord(holdId, provisional, held);
        while (true)
        {
            switch (step)
            {
                case Settlement.Decision.Stands:
                    return true;
                case Settlement.Decision.CaptureHeld:
                    wallet.Capture(held!.HoldId, charged!.Value, Now);
                    await activation.Save();
                    return true;
                case Settlement.Decision.ReleaseHeld:
                    await Release(held!);
                    return true;
                case Settlement.Decision.AskJob:
                    return await SettleHeld(job, held!, write: true) is not null;
                case Settlement.Decision.LookUpPayment:
                    if (submittedAt is null && !knownSubmittedAt) submittedAt = await SubmittedAt(job, holdId);
                    step = Settlement.AfterLookUp(await HoldsOrPaid(job.JobId, holdId, submittedAt));
                    continue;
                case Settlement.Decision.Vouch:
                    job.Vouch(holdId);
                    return true;
                case Settlement.Decision.FenceThenAbandon:
                    await activation.Save();
                    if (await job.Abandon(holdId) == AbandonOutcome.Stands)
                        throw new InvalidOperationException($"Job {job.JobId} keeps a proposal with hold {holdId}, which this wallet never paid.");
                    return false;
                default:
                    throw new InvalidOperationException($"Unknown settlement step {step}.");
            }
        }
    }

    /// <summary>The job decides <paramref name="held"/> (<see cref="Settlement.ForHeld"/>); returns the record that stands, paid
    /// by this hold, or null (released).</summary>
    private async Task<Proposal?> SettleHeld(IProposalJob job, Hold held, bool write)
    {
        var decided = await job.ResolveHold(held.HoldId);
        if (Settlement.ForHeld(held, decided) == Settlement.Decision.CaptureHeld)
        {
            wallet.Capture(held.HoldId, decided!.ConnectsCharged, Now);
            if (write) await activation.Save();
            return decided;
        }
        if (write) await Release(held);
        else wallet.Release(held.HoldId, Now);
        return null;
    }

    private async Task Release(Hold hold)
    {
        wallet.Release(hold.HoldId, Now);
        await activation.Save();
    }

    /// <summary>Whether this wallet holds or paid a hold: from its state, else from the receipt books that may hold the paid
    /// receipt, those from the proposal's submission on (null: the idempotency window's).</summary>
    private async Task<bool> HoldsOrPaid(string jobId, string holdId, DateTimeOffset? submittedAt)
    {
        if (wallet.HoldsOrPaid(jobId, holdId)) return true;
        if (wallet.TryFindReceipt(ReceiptKeys.Paid(jobId), out _)) return false;
        return wallet.HoldsOrPaid(jobId, holdId, await activation.FindArchivedReceipt(ReceiptKeys.Paid(jobId), submittedAt));
    }

    /// <summary>When the job's record made with <paramref name="holdId"/> was submitted; null if the job has no such record
    /// (then no payment of that hold can stand either).</summary>
    private static async Task<DateTimeOffset?> SubmittedAt(IProposalJob job, string holdId) =>
        (await job.Quote()).Proposal is { } proposal && proposal.HoldId == holdId ? proposal.SubmittedAt : null;

    private SubmissionResult AlreadySubmitted(int charged) => new(SubmissionOutcome.AlreadySubmitted, charged, wallet.Balance);
}
