namespace Connects.Domain;

/// <summary>A job's rules: terms, status, one proposal per freelancer, hire, cancel and the refunds owed.</summary>
public sealed class Job(JobState state)
{
    public JobState State => state;

    /// <summary>Posts the job, or edits its terms. <paramref name="price"/> is its price in Connects under the new terms: a
    /// posting is a <see cref="JobEvents.Posted"/> event, an edit that changes the price a <see cref="JobEvents.PriceChanged"/> one.</summary>
    public PostOutcome Post(string jobId, string clientId, JobTerms terms, string category, DateTimeOffset now, int price = 0)
    {
        if (!state.IsPosted)
        {
            state.JobId = jobId;
            state.IsPosted = true;
            state.ClientId = clientId;
            state.Terms = terms;
            state.Category = category;
            state.Status = JobStatus.Open;
            state.PostedAt = now;
            state.LastPrice = price;
            JobEvents.Add(state, JobEvents.Posted, null, price, category, now);
            return PostOutcome.Created;
        }
        if (state.ClientId != clientId)
            throw new ConnectsRuleException(Refusals.JobConflict, "This job belongs to another client.", "clientId");
        if (state.Terms == terms && state.Category == category) return PostOutcome.Unchanged;
        RequireOpen();
        state.Terms = terms;
        state.Category = category;
        if (price != state.LastPrice || state.EventSequence == 0)
            JobEvents.Add(state, JobEvents.PriceChanged, LastPrice, price, category, now);
        state.LastPrice = price;
        return PostOutcome.Updated;
    }

    /// <summary>The price the job's events last gave, null for a job stored before events that gave none.</summary>
    private int? LastPrice => state.EventSequence == 0 ? null : state.LastPrice;

    private void Closed(string? note, DateTimeOffset now) => JobEvents.Add(state, JobEvents.Closed, LastPrice, LastPrice, note, now);

    public Proposal? FindProposal(string freelancerId) => state.Proposals.GetValueOrDefault(freelancerId);

    /// <summary>The client invites a freelancer: that freelancer's proposal itself costs no Connects. Returns whether the
    /// invitation is new.</summary>
    public bool Invite(string freelancerId)
    {
        if (!state.IsPosted) throw new ConnectsRuleException(Refusals.JobNotFound, $"Job {state.JobId} does not exist.");
        if (state.Invited.Contains(freelancerId)) return false;
        RequireOpen();
        return state.Invited.Add(freelancerId);
    }

    public bool IsInvited(string freelancerId) => state.Invited.Contains(freelancerId);

    /// <summary>Records a proposal backed by a wallet's hold, charging the current price (never more than the hold); an
    /// invited freelancer's proposal is charged 0.</summary>
    public RecordResult Record(string freelancerId, string holdId, IReadOnlyList<Slice> held, int price, DateTimeOffset now)
    {
        if (!state.IsPosted) return new RecordResult(RecordOutcome.JobNotFound, null);
        if (FindProposal(freelancerId) is { } existing) return new RecordResult(RecordOutcome.AlreadyRecorded, existing);
        if (state.AbortedHolds.Contains(holdId)) return new RecordResult(RecordOutcome.HoldAborted, null);
        if (state.Status != JobStatus.Open) return new RecordResult(RecordOutcome.JobNotOpen, null);
        if (IsInvited(freelancerId)) price = 0;
        if (price > held.Sum(s => s.Amount)) return new RecordResult(RecordOutcome.PriceAboveHold, null);
        var proposal = new Proposal
        {
            FreelancerId = freelancerId,
            HoldId = holdId,
            ConnectsCharged = price,
            Charged = Slices.Take(held, price).Taken,
            SubmittedAt = now,
            AwaitingWallet = true,
        };
        state.Proposals[freelancerId] = proposal;
        return new RecordResult(RecordOutcome.Recorded, proposal);
    }

    /// <summary>
    /// The job decides the fate of an expired hold: if a proposal was recorded with it, the wallet
    /// must capture it; otherwise the hold is aborted here for good and the wallet releases it.
    /// </summary>
    public (Proposal? Recorded, bool NewlyAborted) ResolveHold(string freelancerId, string holdId)
    {
        if (FindProposal(freelancerId) is { } p && p.HoldId == holdId) return (p, false);
        return (null, state.AbortedHolds.Add(holdId));
    }

    /// <summary>The wallet vouches for the hold behind a provisional record: the record stands for good.
    /// Returns whether anything changed (false for a vouched record, another hold, or no record).</summary>
    public bool Vouch(string freelancerId, string holdId)
    {
        if (FindProposal(freelancerId) is not { AwaitingWallet: true } proposal || proposal.HoldId != holdId) return false;
        proposal.AwaitingWallet = false;
        return true;
    }

    /// <summary>
    /// A wallet says it never paid for <paramref name="holdId"/> (and never will: it made sure no write of that hold can
    /// still land). A provisional record made with that hold is removed, with its hire if it was hired (the job reopens);
    /// the hold is aborted for good either way, so a late record of it is refused. A vouched or refunded record stands.
    /// </summary>
    public AbandonOutcome Abandon(string freelancerId, string holdId)
    {
        if (FindProposal(freelancerId) is { } proposal && proposal.HoldId == holdId)
        {
            if (!proposal.AwaitingWallet || proposal.RefundedAt is not null) return AbandonOutcome.Stands;
            state.Proposals.Remove(freelancerId);
            if (state.Status == JobStatus.Filled && state.HiredFreelancerId == freelancerId)
            {
                state.Status = JobStatus.Open;
                state.HiredFreelancerId = null;
                state.ClosedAt = null;
            }
            state.AbortedHolds.Add(holdId);
            return AbandonOutcome.Removed;
        }
        return state.AbortedHolds.Add(holdId) ? AbandonOutcome.Aborted : AbandonOutcome.AlreadyAborted;
    }

    /// <summary>The provisional records: those whose wallets have not vouched for them (yet).</summary>
    public IReadOnlyList<Proposal> Unvouched() => state.Proposals.Values.Where(p => p.AwaitingWallet).ToList();

    public bool HasUnvouched => state.Proposals.Values.Any(p => p.AwaitingWallet);

    public Proposal Withdraw(string freelancerId) => Transition(freelancerId, ProposalStatus.Withdrawn);

    public Proposal Decline(string freelancerId) => Transition(freelancerId, ProposalStatus.Declined);

    public Proposal Hire(string freelancerId, DateTimeOffset now)
    {
        var proposal = RequireProposal(freelancerId);
        if (state.Status == JobStatus.Filled && state.HiredFreelancerId == freelancerId) return proposal;
        RequireOpen();
        if (proposal.Status != ProposalStatus.Active)
            throw new ConnectsRuleException(Refusals.ProposalNotActive, $"The proposal is {proposal.Status.ToString().ToLowerInvariant()}; only an active one can be hired.", "freelancerId");
        proposal.Status = ProposalStatus.Hired;
        state.Status = JobStatus.Filled;
        state.HiredFreelancerId = freelancerId;
        state.ClosedAt = now;
        state.AuctionClosedAt ??= now; // the first hire closes the auction for good
        Closed(freelancerId, now);
        return proposal;
    }

    /// <summary>
    /// A client cancels an open job without hiring, or the marketplace removes a job: the proposals the refund rule names
    /// (<see cref="RefundRule"/>) are owed a refund. Cancelling again changes nothing.
    /// </summary>
    public bool Cancel(CancelReason reason, DateTimeOffset now)
    {
        if (state.Status is JobStatus.Cancelled or JobStatus.Removed) return false;
        if (reason == CancelReason.ClientCancelled) RequireOpen();
        state.Status = reason == CancelReason.ClientCancelled ? JobStatus.Cancelled : JobStatus.Removed;
        state.CancelReason = reason;
        state.ClosedAt = now;
        Closed(reason == CancelReason.ClientCancelled ? "client-cancelled" : "removed", now);
        foreach (var proposal in state.Proposals.Values) proposal.RefundOwed = RefundRule.IsOwed(proposal);
        Auction.OweRefunds(state, now);
        return true;
    }

    /// <summary>The refunds still owed (<see cref="RefundRule.Owed"/>).</summary>
    public IReadOnlyList<RefundOwed> RefundsOwed() => RefundRule.Owed(state);

    public bool MarkRefunded(string freelancerId, DateTimeOffset now)
    {
        var proposal = RequireProposal(freelancerId);
        if (proposal.RefundedAt is not null) return false;
        proposal.RefundedAt = now;
        proposal.Status = ProposalStatus.Refunded;
        proposal.AwaitingWallet = false; // the wallet refunded it, so it had paid it
        return true;
    }

    /// <summary>Withdraw and decline apply while the job stands (open or filled); once it is cancelled or removed
    /// its proposals are settled by refunds and no longer change.</summary>
    private Proposal Transition(string freelancerId, ProposalStatus to)
    {
        var proposal = RequireProposal(freelancerId);
        if (proposal.Status == to) return proposal;
        if (state.Status is JobStatus.Cancelled or JobStatus.Removed)
            throw new ConnectsRuleException(Refusals.JobNotOpen, $"The job is {state.Status.ToString().ToLowerInvariant()}; its proposals are settled.");
        if (proposal.Status != ProposalStatus.Active)
            throw new ConnectsRuleException(Refusals.ProposalNotActive, $"The proposal is {proposal.Status.ToString().ToLowerInvariant()}.", "freelancerId");
        proposal.Status = to;
        if (to == ProposalStatus.Withdrawn) Auction.Forfeit(state, freelancerId);
        return proposal;
    }

    private Proposal RequireProposal(string freelancerId) =>
        FindProposal(freelancerId) ?? throw new ConnectsRuleException(Refusals.ProposalNotFound, $"Freelancer {freelancerId} has no proposal on this job.", "freelancerId");

    private void RequireOpen()
    {
        if (state.Status != JobStatus.Open)
            throw new ConnectsRuleException(Refusals.JobNotOpen, $"The job is {state.Status.ToString().ToLowerInvariant()}.");
    }
}
