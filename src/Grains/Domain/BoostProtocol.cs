using Connects.Contracts;

namespace Connects.Domain;

/// <summary>
/// Boost bids, the wallet's side: hold, place on the job, capture; and the give-backs the job owes. Plain C#, like
/// <see cref="ProposalProtocol"/>: the wallet grain supplies the activation and the jobs.
/// <para>
/// <b>Exactly once.</b> The bid's hold is written <i>before</i> the job is asked, so the job never places a bid whose
/// Connects the wallet might not have stored. A hold whose fate is unknown (the job did not answer, or the wallet died
/// before its capture was stored) is settled with the job (<see cref="Auction.Resolve"/>): placed, it is captured for what the
/// job charged; not placed, the job aborts its id for good (a late placement is refused) and the wallet releases it. The
/// retry, the wallet's next activation and the hold's expiry all settle it that way. Give-backs are keyed by job and holding
/// (<see cref="ReceiptKeys.BoostBack"/>): the wallet applies each once, the job marks it delivered, and a delivery cut short
/// is finished by the next one (docs/design.md, "Boosted proposals").
/// </para>
/// </summary>
public sealed class BoostProtocol(Wallet wallet, IWalletActivation activation, Func<string, IBoostJob> jobs, int maxRetries = 3)
{
    private DateTimeOffset Now => activation.Now;

    /// <summary>Bids <paramref name="bid"/> on the freelancer's proposal to <paramref name="jobId"/>: the same bid again changes
    /// nothing; a higher one charges what it needs (<see cref="Auction"/>).</summary>
    public async Task<BidResult> Bid(string jobId, int bid)
    {
        if (!wallet.State.IsOpen) return new BidResult(BidOutcome.WalletNotFound);
        var job = jobs(jobId);
        // A hold left by an earlier attempt, whose placement may still reach the job: the job decides it first.
        if (wallet.FindBidHold(jobId) is { } leftover) await SettleHeld(job, leftover, write: true);

        for (var attempt = 0; attempt < maxRetries; attempt++)
        {
            var quote = await job.QuoteBid(bid, proposalRequired: true);
            if (quote.Outcome != BidOutcome.Placed) return WithBalance(quote);
            Hold? hold = null;
            if (quote.Needed > 0)
            {
                hold = wallet.ReserveBid(jobId, quote.Needed, Now, activation.HoldTag);
                if (hold is null) return WithBalance(new BidResult(BidOutcome.InsufficientConnects, bid, Needed: quote.Needed));
                await activation.Save();
            }
            BidResult placed;
            try
            {
                placed = await job.PlaceBid(bid, hold);
            }
            catch
            {
                // Placed or not, the job decides it later: the retry, the next activation or the hold's expiry.
                if (hold is not null) activation.ResolveHoldsLater();
                throw;
            }
            if (placed.Outcome == BidOutcome.Placed)
            {
                if (hold is not null)
                {
                    wallet.CaptureBid(hold.HoldId, placed.Charged, Now);
                    await activation.Save();
                }
                return WithBalance(placed);
            }
            if (hold is not null)
            {
                wallet.ReleaseBid(hold.HoldId, Now);
                await activation.Save();
            }
            if (placed.Outcome != BidOutcome.HoldShort) return WithBalance(placed);
            // Outbid between the quote and the placement: the raise now needs the whole bid. Quote again.
        }
        return WithBalance(new BidResult(BidOutcome.HoldShort, bid));
    }

    /// <summary>A proposal with a bid: the price and the bid come out of the same available Connects, so both are checked
    /// before anything is held; then the proposal (<see cref="ProposalProtocol.Submit"/>), then the bid.</summary>
    public async Task<SubmissionResult> Submit(ProposalProtocol proposals, string jobId, int expectedConnects, int bid)
    {
        if (!wallet.State.IsOpen) return new SubmissionResult(SubmissionOutcome.WalletNotFound);
        var quote = await jobs(jobId).QuoteBid(bid, proposalRequired: false);
        switch (quote.Outcome)
        {
            case BidOutcome.JobNotFound: return new SubmissionResult(SubmissionOutcome.JobNotFound);
            case BidOutcome.AuctionClosed: return new SubmissionResult(SubmissionOutcome.AuctionClosed);
            case BidOutcome.Placed when quote.ProposalPrice <= expectedConnects && wallet.Available < quote.ProposalPrice + quote.Needed:
                return new SubmissionResult(SubmissionOutcome.InsufficientConnects, ConnectsRequired: quote.ProposalPrice + quote.Needed,
                    Balance: wallet.Balance, Available: wallet.Available, NextRefreshAt: wallet.CurrentCycle.End);
        }
        var needed = quote.Outcome == BidOutcome.Placed ? quote.Needed : 0;
        var submitted = await proposals.Submit(jobId, expectedConnects);
        if (submitted.Outcome == SubmissionOutcome.InsufficientConnects)
            return submitted with { ConnectsRequired = submitted.ConnectsRequired + needed };
        if (submitted.Outcome is not (SubmissionOutcome.Submitted or SubmissionOutcome.AlreadySubmitted)) return submitted;
        var placed = await Bid(jobId, bid);
        return placed.Outcome is BidOutcome.Placed or BidOutcome.Unchanged
            ? submitted with { Balance = wallet.Balance, BoostBid = placed.Bid, Boosted = placed.Boosted, Displaced = placed.Displaced }
            : submitted with
            {
                Balance = wallet.Balance, BidRefused = placed.Outcome, BoostBid = placed.Bid, ConnectsRequired = placed.Needed,
                Available = wallet.Available, NextRefreshAt = placed.NextRefreshAt,
            };
    }

    /// <summary>Settles the bid holds an earlier activation left (<paramref name="everyHold"/>) or that expired. A job that
    /// does not answer leaves its hold for later. Returns whether anything changed; the caller writes it.</summary>
    public async Task<bool> SettleHolds(bool everyHold)
    {
        var changed = false;
        foreach (var hold in wallet.BidHoldsToSettle(Now, everyHold))
        {
            try
            {
                await SettleHeld(jobs(hold.JobId), hold, write: false);
                changed = true;
            }
            catch (Exception ex)
            {
                activation.Deferred($"settling bid hold {hold.HoldId} with its job", ex);
                activation.ResolveHoldsLater();
            }
        }
        return changed;
    }

    /// <summary>Applies a bid the job owes back, once: <paramref name="givenBefore"/> is the receipt of an earlier delivery.</summary>
    public async Task<RefundResult> GiveBack(string jobId, BoostGiveBack owed, Receipt? givenBefore)
    {
        if (givenBefore is not null) return new RefundResult(RefundOutcome.AlreadyRefunded);
        wallet.GiveBackBid(jobId, owed, Now);
        await activation.Save();
        return new RefundResult(RefundOutcome.Refunded);
    }

    private async Task SettleHeld(IBoostJob job, Hold held, bool write)
    {
        var decided = await job.ResolveBid(held.HoldId);
        if (decided.Outcome == BidOutcome.Placed) wallet.CaptureBid(held.HoldId, decided.Charged, Now);
        else wallet.ReleaseBid(held.HoldId, Now);
        if (write) await activation.Save();
    }

    private BidResult WithBalance(BidResult result) =>
        result with { Balance = wallet.Balance, Available = wallet.Available, NextRefreshAt = wallet.CurrentCycle.End };
}
