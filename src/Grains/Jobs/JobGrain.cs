using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Serialization;

namespace Connects.Grains;

/// <summary>
/// A job: its terms, its price in Connects and its proposals. It never waits on a wallet (wallets call
/// it while submitting), so refunds after a cancellation are delivered by <see cref="CancellationGrain"/>,
/// and a provisional record its wallet has not vouched for is asked about one-way.
/// <para>
/// A viral job takes thousands of proposals in minutes, so its calls interleave and its writes are grouped
/// (<see cref="GroupCommit"/>): each call changes the job in one synchronous step, then waits until a write covering
/// that change is stored before it answers, and reads wait for what is in flight. Nothing is answered from a change
/// that is not durable. The write stores a copy of the job, so calls may change it while a write is in flight.
/// </para>
/// <para>
/// Its events (<see cref="JobEvents"/>) are made by the change itself into the job's outbox
/// (<see cref="JobState.PendingEvents"/>), so they are stored by the write that stores the change; once that write is
/// durable they are copied to the events table and dropped from the outbox (the drop is stored with the next write).
/// Events a crash or a failed copy left in the stored outbox are copied by the next write or activation, always from the
/// outbox's first event on, so the table has each job's events in sequence, each once (recording is idempotent by id).
/// </para>
/// </summary>
[Reentrant]
public sealed partial class JobGrain(
    [PersistentState("job", ConnectsStorage.Name)] IPersistentState<JobState> stored,
    IOptions<PricingRules> pricing,
    IOptions<WalletProtocolSettings> protocol,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    DeepCopier<JobState> copier,
    IEventStore events,
    ILogger<JobGrain> logger) : Grain, IJobGrain, IRemindable
{
    /// <summary>The last event sequence of the job's last stored write: the outbox's events up to it may go to the table.</summary>
    private long _eventsStoredThrough;
    public const string RefundsReminder = "refunds";
    /// <summary>The job as calls see it (set once the stored state is read); writes store a copy of it.</summary>
    private JobState State { get; set; } = null!;
    private GroupCommit? _commit;
    private CategoryDemand? _demand;
    /// <summary>A vouch made since the last write: it rides on the next write (or one at deactivation), never forces one.</summary>
    private bool _vouchUnwritten;
    private IGrainTimer? _provisionalWatch;
    /// <summary>Provisional records seen at the previous look: still there at the next one, they are asked about.</summary>
    private HashSet<(string FreelancerId, string HoldId)> _seenUnvouched = [];

    private GroupCommit Commit => _commit ??= new GroupCommit(WriteCopy);
    private Job Job => new(State);
    private Auction Auction => new(State, pricing.Value.BoostSpots, pricing.Value.AuctionDuration);
    /// <summary>This activation registered the delivery reminder (refunds and give-backs owed): no need to again.</summary>
    private bool _reminderOn;
    private DateTimeOffset Now => clock.GetUtcNow();
    private string JobId => GrainKeys.IdOf(this);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        State = stored.State;
        _eventsStoredThrough = State.EventSequence;
        if (Job.HasUnvouched) WatchProvisional();
        // Events an earlier activation stored but did not copy (it died between its write and the copy) go first.
        await RecordEvents();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Best effort: a vouch lost here only means the next activation asks the wallet again.
        if (_vouchUnwritten) await Write();
    }

    public async Task<JobPosted> Post(JobPosting posting)
    {
        var previousCategory = State.IsPosted ? State.Category : null;
        // The price under the new terms is known before the change, so the change and its event are made in one step.
        var price = await PriceUnder(posting.Terms, posting.Category);
        var outcome = Job.Post(JobId, posting.ClientId, posting.Terms, posting.Category, Now, price);
        if (outcome != PostOutcome.Unchanged)
        {
            await Write();
            if (previousCategory != posting.Category)
            {
                if (previousCategory is not null) await Demand(previousCategory).JobClosed(JobId);
                _demand = null;
                await Demand(posting.Category).JobOpened(JobId);
            }
        }
        return new JobPosted(outcome == PostOutcome.Created, await View());
    }

    public async Task<JobView?> GetJob() => State.IsPosted ? await View() : null;

    public async Task<JobQuote> Quote(string freelancerId)
    {
        await Durable(); // a proposal in the batch in flight is not answered before it is stored
        return State.IsPosted
            ? new JobQuote(true, State.Status, await CurrentPrice(), Job.FindProposal(freelancerId), Job.IsInvited(freelancerId))
            : new JobQuote(false, JobStatus.Open, null);
    }

    public async Task<RecordResult> RecordProposal(string freelancerId, string holdId, IReadOnlyList<Slice> held)
    {
        if (!State.IsPosted) return new RecordResult(RecordOutcome.JobNotFound, null);
        var price = (await CurrentPrice()).Connects;
        var result = Job.Record(freelancerId, holdId, held, price, Now);
        if (result.Outcome == RecordOutcome.Recorded)
        {
            Commit.Changed();
            Demand(State.Category).ApplicationReceived().Ignore();
            WatchProvisional();
        }
        await Durable(); // also when already recorded: that record may be in the batch in flight
        return result;
    }

    public async Task<Proposal?> ResolveHold(string freelancerId, string holdId)
    {
        var (recorded, newlyAborted) = Job.ResolveHold(freelancerId, holdId);
        // The wallet holds this hold and captures it on this answer: the record stands for good first, so that no
        // abandon of the hold (a late one from a wallet activation whose write of it seemed to fail) can remove it.
        var vouched = recorded is not null && Job.Vouch(freelancerId, holdId);
        if (newlyAborted || vouched) Commit.Changed();
        await Durable();
        return recorded;
    }

    public Task Vouch(string freelancerId, string holdId)
    {
        // Not written now: it goes with the job's next write or when it deactivates. Losing it costs nothing but a
        // question: no abandon of this hold can come (its wallet wrote it, so it holds or paid it for good), and after
        // a crash the job asks the wallet again, which vouches again.
        if (Job.Vouch(freelancerId, holdId)) _vouchUnwritten = true;
        return Task.CompletedTask;
    }

    public async Task<AbandonOutcome> AbandonProposal(string freelancerId, string holdId)
    {
        var wasFilled = State.Status == JobStatus.Filled;
        var outcome = Job.Abandon(freelancerId, holdId);
        if (outcome is AbandonOutcome.Removed or AbandonOutcome.Aborted)
        {
            await Write();
            if (wasFilled && State.Status == JobStatus.Open) await Demand(State.Category).JobOpened(JobId);
        }
        else await Durable();
        return outcome;
    }

    public Task<Proposal> Withdraw(string freelancerId) => Change(job => job.Withdraw(freelancerId));

    public Task<Proposal> Decline(string freelancerId) => Change(job => job.Decline(freelancerId));

    public async Task<JobView> Hire(string freelancerId)
    {
        var wasOpen = State.Status == JobStatus.Open;
        await Change(job => job.Hire(freelancerId, Now));
        if (wasOpen) await Demand(State.Category).JobClosed(JobId);
        return await View();
    }

    public async Task<JobView> Cancel(CancelReason reason)
    {
        RequirePosted();
        var wasOpen = State.Status == JobStatus.Open;
        if (Job.Cancel(reason, Now))
        {
            await Write();
            if (!NothingOwed) await RemindToDeliver();
            if (wasOpen) await Demand(State.Category).JobClosed(JobId);
        }
        return await View();
    }

    public async Task<IReadOnlyList<RefundOwed>> GetRefundsOwed()
    {
        await Durable();
        return Job.RefundsOwed();
    }

    public async Task MarkRefunded(string freelancerId)
    {
        if (Job.MarkRefunded(freelancerId, Now)) Commit.Changed();
        await Durable();
        await StopRemindingIfDone();
    }

    public async Task<BidResult> QuoteBid(string freelancerId, int bid, bool proposalRequired)
    {
        await Durable();
        var quote = Auction.Quote(freelancerId, bid, Now, proposalRequired);
        if (proposalRequired || quote.Outcome != BidOutcome.Placed) return quote;
        var price = Job.FindProposal(freelancerId) is not null || Job.IsInvited(freelancerId) ? 0 : (await CurrentPrice()).Connects;
        return quote with { ProposalPrice = price };
    }

    public async Task<BidResult> PlaceBid(string freelancerId, int bid, string holdId, IReadOnlyList<Slice> held)
    {
        var owedBefore = State.GiveBacksOwed.Count;
        var orderBefore = State.NextBidOrder;
        var placed = Auction.Place(freelancerId, bid, holdId, held, Now);
        if (State.NextBidOrder != orderBefore) Commit.Changed();
        await Durable(); // also when placed before: that placement may be in the batch in flight
        if (State.GiveBacksOwed.Count > owedBefore) await RemindToDeliver();
        return placed;
    }

    public async Task<BidResult> ResolveBid(string freelancerId, string holdId)
    {
        var (answer, changed) = Auction.Resolve(freelancerId, holdId);
        if (changed) Commit.Changed();
        await Durable();
        return answer;
    }

    public async Task<IReadOnlyList<BoostGiveBack>> GetGiveBacksOwed()
    {
        await Durable();
        return [.. State.GiveBacksOwed];
    }

    public async Task MarkGivenBack(string freelancerId, int generation)
    {
        if (Auction.MarkGivenBack(State, freelancerId, generation)) Commit.Changed();
        await Durable();
        await StopRemindingIfDone();
    }

    public async Task<bool> Invite(string freelancerId)
    {
        var created = Job.Invite(freelancerId);
        if (created) await Write();
        else await Durable();
        return created;
    }

    public async Task<IReadOnlyList<RankedProposal>?> GetProposals()
    {
        await Durable();
        return State.IsPosted ? Auction.Ranking() : null;
    }

    private bool NothingOwed => Job.RefundsOwed().Count == 0 && State.GiveBacksOwed.Count == 0;

    /// <summary>The job's reminder retries every delivery owed (refunds, give-backs) until none is: a delivery cut short is
    /// finished by it, whoever started it.</summary>
    private async Task RemindToDeliver()
    {
        if (_reminderOn) return;
        await this.RegisterOrUpdateReminder(RefundsReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        _reminderOn = true;
    }

    private async Task StopRemindingIfDone()
    {
        if (!NothingOwed) return;
        _reminderOn = false;
        if (await this.GetReminder(RefundsReminder) is { } reminder) await this.UnregisterReminder(reminder);
        if (!NothingOwed) await RemindToDeliver(); // owed again while the reminder was going
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefundsReminder) return;
        await Durable();
        if (NothingOwed)
        {
            await StopRemindingIfDone();
            return;
        }
        // One-way: the delivery calls back into this job (GetRefundsOwed, MarkRefunded), so this turn must not wait for it.
        await GrainFactory.Cancellation(JobId).Nudge();
    }

    private async Task<T> Change<T>(Func<Job, T> change)
    {
        RequirePosted();
        var result = change(Job);
        await Write();
        return result;
    }

    private async Task<ConnectPrice> CurrentPrice() => ConnectPricing.Quote(State.Terms, await CurrentDemand(), pricing.Value);

    private async Task<CategoryDemand> CurrentDemand()
    {
        if (_demand is null || Now - _demand.MeasuredAt >= pricing.Value.DemandCacheDuration || Now < _demand.MeasuredAt)
            _demand = await Demand(State.Category).Measure();
        return _demand;
    }

    /// <summary>The price in Connects of <paramref name="terms"/> in <paramref name="category"/> now.</summary>
    private async Task<int> PriceUnder(JobTerms terms, string category)
    {
        var demand = State.IsPosted && category == State.Category ? await CurrentDemand() : await Demand(category).Measure();
        return ConnectPricing.Quote(terms, demand, pricing.Value).Connects;
    }

    private async Task<JobView> View()
    {
        await Durable();
        var s = State;
        var refunds = s.Proposals.Values.Where(p => p.RefundedAt is not null)
            .Select(p => new RefundMade(p.FreelancerId, p.ConnectsCharged, p.RefundedAt!.Value)).ToList();
        return new JobView(s.JobId, s.ClientId, s.Status, s.Terms.BudgetUsd, s.Terms.BudgetType, s.Terms.Duration, s.Category,
            await CurrentPrice(), s.Proposals.Count, s.PostedAt, s.ClosedAt, s.HiredFreelancerId, refunds, Job.RefundsOwed().Count,
            Auction.View(Now));
    }

    private void RequirePosted()
    {
        if (!State.IsPosted) throw new ConnectsRuleException(Refusals.JobNotFound, $"Job {JobId} does not exist.");
    }

    /// <summary>Makes the change just made durable (with whatever else is in the same batch).</summary>
    private Task Write()
    {
        Commit.Changed();
        return Durable();
    }

    private async Task Durable()
    {
        try
        {
            await Commit.Durable();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
        if (State.PendingEvents is not null) await RecordEvents();
    }

    private async Task WriteCopy()
    {
        _vouchUnwritten = false; // the copy takes every vouch made so far along
        var copy = copier.Copy(State);
        stored.State = copy;
        await stored.WriteStateAsync();
        _eventsStoredThrough = Math.Max(_eventsStoredThrough, copy.EventSequence);
    }

    /// <summary>Copies the stored events of the outbox to the events table, from its first on, and drops them from the
    /// outbox (stored with the next write). A failure leaves them there: the next write, read or activation copies them,
    /// before any later event; the change they tell of stands.</summary>
    private async Task RecordEvents()
    {
        var ready = JobEvents.Stored(State, _eventsStoredThrough);
        if (ready.Count == 0) return;
        try
        {
            await events.Record(ready);
            JobEvents.Recorded(State, ready[^1].Sequence);
        }
        catch (Exception ex)
        {
            LogEventsNotRecorded(logger, ex, JobId, ready.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not record {Count} events of stored changes; they stay in its outbox and are recorded before any later one")]
    private static partial void LogEventsNotRecorded(ILogger logger, Exception ex, string jobId, int count);

    private ICategoryDemandGrain Demand(string category) => GrainFactory.Demand(category);

    /// <summary>Looks at the provisional records every <see cref="WalletProtocolSettings.ProvisionalRecordAge"/> while there are any.</summary>
    private void WatchProvisional()
    {
        var period = protocol.Value.ProvisionalRecordAge;
        _provisionalWatch ??= this.RegisterGrainTimer(AskAboutProvisional, period, period);
    }

    /// <summary>
    /// Asks the wallet of each provisional record seen unvouched a period ago too (so its submission has had time to
    /// finish) whether it paid. One-way: the wallet answers by calling this job (it vouches, or has the record abandoned),
    /// and a job waiting on a wallet could deadlock with that wallet waiting on the job.
    /// </summary>
    private Task AskAboutProvisional()
    {
        var unvouched = Job.Unvouched().Select(p => (p.FreelancerId, p.HoldId)).ToHashSet();
        if (unvouched.Count == 0)
        {
            _provisionalWatch?.Dispose();
            _provisionalWatch = null;
        }
        foreach (var (freelancerId, holdId) in unvouched.Where(_seenUnvouched.Contains))
            GrainFactory.Wallet(freelancerId).ConfirmProposal(JobId, holdId).Ignore();
        _seenUnvouched = unvouched;
        return Task.CompletedTask;
    }
}
