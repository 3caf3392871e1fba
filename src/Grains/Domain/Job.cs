namespace Connects.Domain;

[GenerateSerializer, Alias("Connects.Proposal")]
public sealed record Proposal
{
    [Id(0)] public required string FreelancerId { get; init; }
    [Id(1)] public required string HoldId { get; init; }
    [Id(2)] public required int ConnectsCharged { get; init; }
    /// <summary>The Connects charged, with the source and expiry they came from (a refund restores them).</summary>
    [Id(3)] public required List<Slice> Charged { get; init; }
    [Id(4)] public required DateTimeOffset SubmittedAt { get; init; }
    [Id(5)] public ProposalStatus Status { get; set; } = ProposalStatus.Active;
    [Id(6)] public DateTimeOffset? RefundedAt { get; set; }
    /// <summary>Set when the job is cancelled or removed while this proposal stood (not withdrawn): the refund is owed from then on.</summary>
    [Id(7)] public bool RefundOwed { get; set; }
    /// <summary>
    /// Provisional: the job recorded it while the wallet was still writing the hold behind it, so it stands only once
    /// the wallet vouches that the hold is durable (or already captured). Records stored before this field existed read
    /// false, i.e. vouched: their wallets wrote the hold before asking the job to record.
    /// </summary>
    [Id(8)] public bool AwaitingWallet { get; set; }
}

[GenerateSerializer, Alias("Connects.JobState")]
public sealed class JobState
{
    [Id(0)] public string JobId { get; set; } = "";
    [Id(1)] public bool IsPosted { get; set; }
    [Id(2)] public string ClientId { get; set; } = "";
    [Id(3)] public JobTerms Terms { get; set; } = new(0, BudgetType.Fixed, ProjectDuration.LessThan1Week);
    [Id(4)] public string Category { get; set; } = "";
    [Id(5)] public JobStatus Status { get; set; }
    [Id(6)] public DateTimeOffset PostedAt { get; set; }
    [Id(7)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(8)] public CancelReason? CancelReason { get; set; }
    [Id(9)] public string? HiredFreelancerId { get; set; }
    [Id(10)] public Dictionary<string, Proposal> Proposals { get; set; } = [];
    /// <summary>Holds the job refused for good after a wallet found them expired: a late record of one is refused.</summary>
    [Id(11)] public HashSet<string> AbortedHolds { get; set; } = [];
}

/// <summary>What posting a job's terms did.</summary>
public enum PostOutcome { Created, Unchanged, Updated }

/// <summary>Outcome of a wallet asking the job to record a proposal backed by a hold.</summary>
[GenerateSerializer]
public enum RecordOutcome { Recorded, AlreadyRecorded, JobNotOpen, PriceAboveHold, HoldAborted, JobNotFound }

/// <summary>What a job did when a wallet said it never paid for a hold.</summary>
[GenerateSerializer]
public enum AbandonOutcome
{
    /// <summary>A provisional record made with that hold was removed, and the hold aborted for good.</summary>
    Removed,
    /// <summary>No record was made with that hold; it is now aborted for good (a late record of it is refused).</summary>
    Aborted,
    /// <summary>No record was made with that hold, and it was aborted before.</summary>
    AlreadyAborted,
    /// <summary>The record made with that hold is vouched for (or refunded): it stands, nothing changed.</summary>
    Stands,
}

[GenerateSerializer, Immutable, Alias("Connects.RecordResult")]
public sealed record RecordResult(
    [property: Id(0)] RecordOutcome Outcome,
    [property: Id(1)] Proposal? Proposal,
    [property: Id(2)] int ConnectsRequired);

/// <summary>A refund the job owes a freelancer after a cancellation or removal. <see cref="SubmittedAt"/> (the proposal's)
/// tells the wallet from which year on its paid receipt can be archived; null from a silo of before it.</summary>
[GenerateSerializer, Immutable, Alias("Connects.RefundOwed")]
public sealed record RefundOwed(
    [property: Id(0)] string JobId,
    [property: Id(1)] string FreelancerId,
    [property: Id(2)] IReadOnlyList<Slice> Slices,
    [property: Id(3)] DateTimeOffset CancelledAt,
    [property: Id(4)] string HoldId = "",
    [property: Id(5)] bool AwaitingWallet = false,
    [property: Id(6)] DateTimeOffset? SubmittedAt = null)
{
    public int Amount => Slices.Sum(s => s.Amount);
}

/// <summary>A job's rules: terms, status, one proposal per freelancer, hire, cancel and the refunds owed.</summary>
public sealed class Job(JobState state)
{
    public JobState State => state;
    public bool IsPosted => state.IsPosted;

    public PostOutcome Post(string jobId, string clientId, JobTerms terms, string category, DateTimeOffset now)
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
            return PostOutcome.Created;
        }
        if (state.ClientId != clientId)
            throw new ConnectsRuleException(Rules.JobConflict, "This job belongs to another client.", "clientId");
        if (state.Terms == terms && state.Category == category) return PostOutcome.Unchanged;
        RequireOpen();
        state.Terms = terms;
        state.Category = category;
        return PostOutcome.Updated;
    }

    public Proposal? FindProposal(string freelancerId) => state.Proposals.GetValueOrDefault(freelancerId);

    /// <summary>Records a proposal backed by a wallet's hold, charging the current price (never more than the hold).</summary>
    public RecordResult Record(string freelancerId, string holdId, IReadOnlyList<Slice> held, int price, DateTimeOffset now)
    {
        if (!state.IsPosted) return new RecordResult(RecordOutcome.JobNotFound, null, price);
        if (FindProposal(freelancerId) is { } existing) return new RecordResult(RecordOutcome.AlreadyRecorded, existing, price);
        if (state.AbortedHolds.Contains(holdId)) return new RecordResult(RecordOutcome.HoldAborted, null, price);
        if (state.Status != JobStatus.Open) return new RecordResult(RecordOutcome.JobNotOpen, null, price);
        if (price > held.Sum(s => s.Amount)) return new RecordResult(RecordOutcome.PriceAboveHold, null, price);
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
        return new RecordResult(RecordOutcome.Recorded, proposal, price);
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
            throw new ConnectsRuleException(Rules.ProposalNotActive, $"The proposal is {proposal.Status.ToString().ToLowerInvariant()}; only an active one can be hired.", "freelancerId");
        proposal.Status = ProposalStatus.Hired;
        state.Status = JobStatus.Filled;
        state.HiredFreelancerId = freelancerId;
        state.ClosedAt = now;
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
        foreach (var proposal in state.Proposals.Values) proposal.RefundOwed = RefundRule.IsOwed(proposal);
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
            throw new ConnectsRuleException(Rules.JobNotOpen, $"The job is {state.Status.ToString().ToLowerInvariant()}; its proposals are settled.");
        if (proposal.Status != ProposalStatus.Active)
            throw new ConnectsRuleException(Rules.ProposalNotActive, $"The proposal is {proposal.Status.ToString().ToLowerInvariant()}.", "freelancerId");
        proposal.Status = to;
        return proposal;
    }

    private Proposal RequireProposal(string freelancerId) =>
        FindProposal(freelancerId) ?? throw new ConnectsRuleException(Rules.ProposalNotFound, $"Freelancer {freelancerId} has no proposal on this job.", "freelancerId");

    private void RequireOpen()
    {
        if (state.Status != JobStatus.Open)
            throw new ConnectsRuleException(Rules.JobNotOpen, $"The job is {state.Status.ToString().ToLowerInvariant()}.");
    }
}
