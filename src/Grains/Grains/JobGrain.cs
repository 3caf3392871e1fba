using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// A job: its terms, its price in Connects and its proposals. It never waits on a wallet (wallets call
/// it while submitting), so refunds after a cancellation are delivered by <see cref="CancellationGrain"/>,
/// and a provisional record its wallet has not vouched for is asked about one-way.
/// </summary>
public sealed class JobGrain(
    [PersistentState("job", ConnectsStorage.Name)] IPersistentState<JobState> stored,
    IOptions<PricingRules> pricing,
    IOptions<WalletRules> proposals,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock) : Grain, IJobGrain, IRemindable
{
    public const string RefundsReminder = "refunds";
    private CategoryDemand? _demand;
    /// <summary>Whether a vouch may not be written yet: it is unless the ETag moved since <see cref="_etagBeforeVouch"/>,
    /// the ETag when the oldest such vouch was made (every write persists the whole state, so a later one took it along).</summary>
    private bool _vouchUnwritten;
    private string? _etagBeforeVouch;
    private IGrainTimer? _provisionalWatch;
    /// <summary>Provisional records seen at the previous look: still there at the next one, they are asked about.</summary>
    private HashSet<(string FreelancerId, string HoldId)> _seenUnvouched = [];

    private Job Job => new(stored.State);
    private DateTimeOffset Now => clock.GetUtcNow();
    private string JobId => GrainKeys.IdOf(this);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Job.HasUnvouched) WatchProvisional();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Best effort: a vouch lost here only means the next activation asks the wallet again.
        if (_vouchUnwritten && stored.Etag == _etagBeforeVouch) await Write();
    }

    public async Task<JobPosted> Post(JobPosting posting)
    {
        var previousCategory = stored.State.IsPosted ? stored.State.Category : null;
        var outcome = Job.Post(JobId, posting.ClientId, posting.Terms, posting.Category, Now);
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

    public async Task<JobView?> GetJob() => stored.State.IsPosted ? await View() : null;

    public async Task<JobQuote> Quote() =>
        stored.State.IsPosted
            ? new JobQuote(true, stored.State.Status, await CurrentPrice())
            : new JobQuote(false, JobStatus.Open, null);

    public Task<Proposal?> GetProposal(string freelancerId) => Task.FromResult(Job.FindProposal(freelancerId));

    public async Task<RecordResult> RecordProposal(string freelancerId, string holdId, IReadOnlyList<Slice> held)
    {
        if (!stored.State.IsPosted) return new RecordResult(RecordOutcome.JobNotFound, null, 0);
        var price = (await CurrentPrice()).Connects;
        var result = Job.Record(freelancerId, holdId, held, price, Now);
        if (result.Outcome == RecordOutcome.Recorded)
        {
            await Write();
            Demand(stored.State.Category).ApplicationReceived().Ignore();
            WatchProvisional();
        }
        return result;
    }

    public async Task<Proposal?> ResolveHold(string freelancerId, string holdId)
    {
        var (recorded, newlyAborted) = Job.ResolveHold(freelancerId, holdId);
        // The wallet holds this hold and captures it on this answer: the record stands for good first, so that no
        // abandon of the hold (a late one from a wallet activation whose write of it seemed to fail) can remove it.
        var vouched = recorded is not null && Job.Vouch(freelancerId, holdId);
        if (newlyAborted || vouched) await Write();
        return recorded;
    }

    public Task Vouch(string freelancerId, string holdId)
    {
        if (!Job.Vouch(freelancerId, holdId)) return Task.CompletedTask;
        // Not written now: it goes with the job's next write or when it deactivates. No write of its own, because losing it
        // costs nothing but a question: no abandon of this hold can come (its wallet wrote it, so it holds or paid it for
        // good), and after a crash the job asks the wallet again, which vouches again.
        if (!_vouchUnwritten || stored.Etag != _etagBeforeVouch) (_vouchUnwritten, _etagBeforeVouch) = (true, stored.Etag);
        return Task.CompletedTask;
    }

    public async Task<AbandonOutcome> AbandonProposal(string freelancerId, string holdId)
    {
        var wasFilled = stored.State.Status == JobStatus.Filled;
        var outcome = Job.Abandon(freelancerId, holdId);
        if (outcome is AbandonOutcome.Removed or AbandonOutcome.Aborted)
        {
            await Write();
            if (wasFilled && stored.State.Status == JobStatus.Open) await Demand(stored.State.Category).JobOpened(JobId);
        }
        return outcome;
    }

    public Task<Proposal> Withdraw(string freelancerId) => Change(job => job.Withdraw(freelancerId));

    public Task<Proposal> Decline(string freelancerId) => Change(job => job.Decline(freelancerId));

    public async Task<JobView> Hire(string freelancerId)
    {
        var wasOpen = stored.State.Status == JobStatus.Open;
        await Change(job => job.Hire(freelancerId, Now));
        if (wasOpen) await Demand(stored.State.Category).JobClosed(JobId);
        return await View();
    }

    public async Task<JobView> Cancel(CancelReason reason)
    {
        RequirePosted();
        var wasOpen = stored.State.Status == JobStatus.Open;
        if (Job.Cancel(reason, Now))
        {
            await Write();
            if (Job.RefundsOwed().Count > 0)
                await this.RegisterOrUpdateReminder(RefundsReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            if (wasOpen) await Demand(stored.State.Category).JobClosed(JobId);
        }
        return await View();
    }

    public Task<IReadOnlyList<RefundOwed>> GetRefundsOwed() => Task.FromResult(Job.RefundsOwed());

    public async Task MarkRefunded(string freelancerId)
    {
        if (Job.MarkRefunded(freelancerId, Now)) await Write();
        if (Job.RefundsOwed().Count == 0 && await this.GetReminder(RefundsReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefundsReminder) return;
        if (Job.RefundsOwed().Count == 0)
        {
            if (await this.GetReminder(RefundsReminder) is { } reminder) await this.UnregisterReminder(reminder);
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

    private async Task<ConnectPrice> CurrentPrice()
    {
        if (_demand is null || Now - _demand.MeasuredAt >= pricing.Value.DemandCacheDuration || Now < _demand.MeasuredAt)
            _demand = await Demand(stored.State.Category).Measure();
        return ConnectPricing.Quote(stored.State.Terms, _demand, pricing.Value);
    }

    private async Task<JobView> View()
    {
        var s = stored.State;
        var refunds = s.Proposals.Values.Where(p => p.RefundedAt is not null)
            .Select(p => new RefundMade(p.FreelancerId, p.ConnectsCharged, p.RefundedAt!.Value)).ToList();
        return new JobView(s.JobId, s.ClientId, s.Status, s.Terms.BudgetUsd, s.Terms.BudgetType, s.Terms.Duration, s.Category,
            await CurrentPrice(), s.Proposals.Count, s.PostedAt, s.ClosedAt, s.HiredFreelancerId, refunds, Job.RefundsOwed().Count);
    }

    private void RequirePosted()
    {
        if (!stored.State.IsPosted) throw new ConnectsRuleException(Rules.JobNotFound, $"Job {JobId} does not exist.");
    }

    private async Task Write()
    {
        try
        {
            await stored.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    private ICategoryDemandGrain Demand(string category) => GrainFactory.Demand(category);

    /// <summary>Looks at the provisional records every <see cref="WalletRules.ProvisionalRecordAge"/> while there are any.</summary>
    private void WatchProvisional()
    {
        var period = proposals.Value.ProvisionalRecordAge;
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
