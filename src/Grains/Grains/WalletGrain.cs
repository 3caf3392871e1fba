using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Connects.Grains;

/// <summary>
/// A freelancer's wallet. Thin: it loads state, lets <see cref="Wallet"/> decide, archives closed
/// cycles, persists, answers. Cycles are applied lazily on every call and activation; a durable
/// reminder only brings idle wallets up to date, and a duplicate or late tick finds nothing to do.
/// </summary>
public sealed partial class WalletGrain(
    [PersistentState("wallet", ConnectsStorage.Name)] IPersistentState<WalletState> stored,
    IOptions<WalletRules> rules,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    ConnectsMetrics metrics,
    ILogger<WalletGrain> logger) : Grain, IWalletGrain, IRemindable
{
    public const string RefreshReminder = "monthly-refresh";
    private const int MaxPriceRetries = 3;
    private IGrainTimer? _holdTimer;
    private IGrainTimer? _flushTimer;
    private long _durableSequence;
    private int _durableHolds;
    /// <summary>Decided changes not written yet (a capture once the job's record is durable): the next write takes them
    /// along, or the flush timer, or deactivation. Lost in a crash, they are decided again from what is stored.</summary>
    private bool _unsaved;
    /// <summary>A write of this activation failed: its memory may hold what storage does not, so it writes nothing more
    /// on its own (no flush) and is being deactivated; the next activation starts from storage.</summary>
    private bool _failed;

    private string FreelancerId => GrainKeys.IdOf(this);
    private Wallet Wallet => new(stored.State, rules.Value);
    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_durableSequence, _durableHolds) = (stored.State.NextSequence, stored.State.Holds.Count);
        if (stored.State.IsOpen) await CatchUp();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_unsaved || _failed) return;
        try
        {
            await Save(Wallet);
        }
        catch (Exception ex)
        {
            LogFlushFailed(logger, ex, FreelancerId);
        }
    }

    public async Task<WalletOpened> Open(Plan plan)
    {
        if (stored.State.IsOpen) return new WalletOpened(false, (await CatchUp()).View(Now));
        var wallet = Wallet;
        wallet.Open(FreelancerId, plan, Now);
        await Save(wallet);
        var period = rules.Value.RefreshReminderPeriod;
        await this.RegisterOrUpdateReminder(RefreshReminder, period, period);
        return new WalletOpened(true, wallet.View(Now));
    }

    public async Task<WalletView?> GetWallet() =>
        stored.State.IsOpen ? (await CatchUp()).View(Now) : null;

    public async Task<WalletView> ChangePlan(Plan plan)
    {
        var wallet = await RequireOpen();
        var before = (stored.State.Plan, stored.State.NextPlan, stored.State.Balance);
        wallet.ChangePlan(plan, Now);
        if (before != (stored.State.Plan, stored.State.NextPlan, stored.State.Balance)) await Save(wallet);
        return wallet.View(Now);
    }

    public async Task<PurchaseResult> Purchase(string paymentReference, int bundle)
    {
        var wallet = await RequireOpen();
        var previous = await FindReceipt(wallet, ReceiptKeys.Purchase(paymentReference));
        if (previous is not null)
        {
            var receipt = previous.Purchase!;
            if (receipt.Connects != bundle)
                throw new ConnectsRuleException(Rules.ReferenceReused,
                    $"Payment reference {paymentReference} already bought {receipt.Connects} Connects.", "paymentReference");
            return new PurchaseResult(false, receipt);
        }
        var made = wallet.Purchase(paymentReference, bundle, Now);
        await Save(wallet);
        return new PurchaseResult(true, made);
    }

    public async Task<GrantResult> Grant(string grantId, int amount, string reason, DateTimeOffset? expiresAt)
    {
        var wallet = await RequireOpen();
        var previous = await FindReceipt(wallet, ReceiptKeys.Grant(grantId));
        if (previous is not null) return new GrantResult(false, previous.Balance);
        wallet.Grant(grantId, amount, reason, expiresAt, Now);
        await Save(wallet);
        return new GrantResult(true, wallet.Balance);
    }

    public async Task<SubmissionResult> SubmitProposal(string jobId, int expectedConnects)
    {
        var result = await Submit(jobId, expectedConnects);
        if (result.Outcome == SubmissionOutcome.Submitted) metrics.Submitted();
        else if (result.Outcome != SubmissionOutcome.AlreadySubmitted) metrics.Refused(result.Outcome);
        return result;
    }

    private async Task<SubmissionResult> Submit(string jobId, int expectedConnects)
    {
        if (!stored.State.IsOpen) return new SubmissionResult(SubmissionOutcome.WalletNotFound);
        var wallet = await CatchUp();
        var job = GrainFactory.Job(jobId);
        var leftover = wallet.FindHold(jobId);

        // A retry after the job recorded the proposal: finish what the first attempt started.
        if (await job.GetProposal(FreelancerId) is { } existing)
        {
            if (leftover is not null) await Settle(wallet, leftover, existing);
            return new SubmissionResult(SubmissionOutcome.AlreadySubmitted, existing.ConnectsCharged, wallet.Balance);
        }

        // A hold left by an earlier attempt whose record may still reach the job (a request that timed out can be
        // delivered late): the job decides it now, as it does for an expired hold, so the wallet never gives back
        // Connects the job could still take. Every hold below is then this attempt's own.
        if (leftover is not null)
        {
            if (await job.ResolveHold(FreelancerId, leftover.HoldId) is { } earlier)
            {
                await Settle(wallet, leftover, earlier);
                return new SubmissionResult(SubmissionOutcome.AlreadySubmitted, earlier.ConnectsCharged, wallet.Balance);
            }
            await ReleaseAndSave(wallet, leftover);
        }

        for (var attempt = 0; attempt < MaxPriceRetries; attempt++)
        {
            var quote = await job.Quote();
            if (!quote.Posted) return new SubmissionResult(SubmissionOutcome.JobNotFound);
            if (quote.Status != JobStatus.Open) return new SubmissionResult(SubmissionOutcome.JobNotOpen, JobStatus: quote.Status);
            var price = quote.Price!.Connects;
            if (price > expectedConnects) return new SubmissionResult(SubmissionOutcome.PriceChanged, ConnectsRequired: price);

            var hold = wallet.Reserve(jobId, price, Now);
            if (hold is null)
                return new SubmissionResult(SubmissionOutcome.InsufficientConnects, ConnectsRequired: price,
                    Balance: wallet.Balance, Available: wallet.Available, NextRefreshAt: wallet.CurrentCycle.End);
            await Save(wallet);

            RecordResult recorded;
            try
            {
                recorded = await job.RecordProposal(FreelancerId, hold.HoldId, hold.Slices);
            }
            catch
            {
                // Unknown whether the job recorded it: keep the hold; it is resolved with the job when it
                // expires, or by the caller's retry, whichever comes first.
                ScheduleHoldResolution();
                throw;
            }

            switch (recorded.Outcome)
            {
                case RecordOutcome.Recorded or RecordOutcome.AlreadyRecorded when recorded.Proposal!.HoldId == hold.HoldId:
                    // Decided: the hold and the job's record are durable, so the capture need not be. It is made in memory
                    // (every read answers from memory) and written with the next write or the flush; if this activation dies
                    // first, the stored hold is settled with the job like an expired one: captured, because recorded.
                    wallet.Capture(hold.HoldId, recorded.Proposal.ConnectsCharged, Now);
                    DeferSave();
                    return new SubmissionResult(
                        recorded.Outcome == RecordOutcome.Recorded ? SubmissionOutcome.Submitted : SubmissionOutcome.AlreadySubmitted,
                        recorded.Proposal!.ConnectsCharged, wallet.Balance);
                case RecordOutcome.AlreadyRecorded:
                    await Settle(wallet, hold, recorded.Proposal!);
                    return new SubmissionResult(SubmissionOutcome.AlreadySubmitted, recorded.Proposal!.ConnectsCharged, wallet.Balance);
                case RecordOutcome.PriceAboveHold or RecordOutcome.HoldAborted:
                    await ReleaseAndSave(wallet, hold);
                    continue;
                case RecordOutcome.JobNotOpen:
                    await ReleaseAndSave(wallet, hold);
                    return new SubmissionResult(SubmissionOutcome.JobNotOpen);
                default:
                    await ReleaseAndSave(wallet, hold);
                    return new SubmissionResult(SubmissionOutcome.JobNotFound);
            }
        }
        var latest = await job.Quote();
        return new SubmissionResult(SubmissionOutcome.PriceChanged, ConnectsRequired: latest.Price?.Connects ?? 0);
    }

    public async Task<int> Refund(RefundOwed refund)
    {
        var wallet = await RequireOpen();
        var key = ReceiptKeys.Refund(refund.JobId);
        if (wallet.TryFindReceipt(key, out _)) return 0;
        // A refund is applied after its job was cancelled; only if that was in an archived cycle can
        // its receipt have moved to the receipt book.
        if (BillingCycle.At(stored.State.Anchor, refund.CancelledAt).Index < stored.State.Cycle
            && await ReceiptBook.Find(key) is not null) return 0;
        var amount = wallet.Refund(refund.JobId, refund.Slices, Now);
        await Save(wallet);
        return amount;
    }

    public async Task<HistoryPage?> GetHistory(HistoryQuery query)
    {
        if (!stored.State.IsOpen) return null;
        var wallet = await CatchUp();
        var recent = History.Select(stored.State.Entries, query).ToList();
        if (recent.Count > query.Limit) return History.Page(recent, query.Limit);
        var oldestUnarchived = stored.State.Entries.Select(e => e.Cycle).DefaultIfEmpty(stored.State.Cycle).Min();
        var entries = recent;
        foreach (var cycle in History.ClosedCyclesToRead(stored.State.Anchor, query, oldestUnarchived))
        {
            var closed = await GrainFactory.Statement(FreelancerId, cycle).Read();
            entries.AddRange(History.Select(closed, query));
            if (entries.Count > query.Limit) break;
        }
        return History.Page(entries, query.Limit);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefreshReminder || !stored.State.IsOpen) return;
        await CatchUp();
    }

    private IReceiptBookGrain ReceiptBook => GrainFactory.ReceiptBook(FreelancerId);

    private async Task<Receipt?> FindReceipt(Wallet wallet, string key) =>
        wallet.TryFindReceipt(key, out var receipt) ? receipt : await ReceiptBook.Find(key);

    private async Task<Wallet> RequireOpen() =>
        stored.State.IsOpen
            ? await CatchUp()
            : throw new ConnectsRuleException(Rules.WalletNotOpen, $"Freelancer {FreelancerId} has no wallet.");

    /// <summary>Brings the wallet up to now: resolves expired holds with their jobs, applies cycles and expiries.</summary>
    private async Task<Wallet> CatchUp()
    {
        var wallet = Wallet;
        var changed = false;
        foreach (var hold in stored.State.Holds.Where(h => h.ExpiresAt <= Now).ToList())
        {
            try
            {
                var recorded = await GrainFactory.Job(hold.JobId).ResolveHold(FreelancerId, hold.HoldId);
                if (recorded is not null) wallet.Capture(hold.HoldId, recorded.ConnectsCharged, Now);
                else wallet.Release(hold.HoldId, Now);
                changed = true;
            }
            catch (Exception ex) when (ex is not InconsistentStateException)
            {
                LogHoldUnresolved(logger, ex, FreelancerId, hold.HoldId);
                ScheduleHoldResolution();
            }
        }
        changed |= wallet.Advance(Now);
        if (changed) await Save(wallet);
        return wallet;
    }

    private async Task Settle(Wallet wallet, Hold hold, Proposal recorded)
    {
        if (recorded.HoldId == hold.HoldId) wallet.Capture(hold.HoldId, recorded.ConnectsCharged, Now);
        else wallet.Release(hold.HoldId, Now);
        await Save(wallet);
    }

    private async Task ReleaseAndSave(Wallet wallet, Hold hold)
    {
        wallet.Release(hold.HoldId, Now);
        await Save(wallet);
    }

    /// <summary>
    /// Archives closed cycles (statements, receipts: idempotent writes) and then persists the wallet.
    /// If anything fails, the activation is dropped so the next call starts again from stored state.
    /// </summary>
    private async Task Save(Wallet wallet)
    {
        try
        {
            foreach (var cycle in wallet.ClosedCycleEntries())
                await GrainFactory.Statement(FreelancerId, cycle.Key).Write(cycle.ToList());
            var receipts = wallet.ClosedCycleReceipts();
            if (receipts.Count > 0) await ReceiptBook.Add(receipts);
            var made = stored.State.Entries.Where(e => e.Sequence >= _durableSequence).ToList();
            wallet.ForgetArchived();
            await stored.WriteStateAsync();
            _unsaved = false;
            metrics.Recorded(made, Now);
            metrics.HoldsChanged(stored.State.Holds.Count - _durableHolds);
            (_durableSequence, _durableHolds) = (stored.State.NextSequence, stored.State.Holds.Count);
        }
        catch
        {
            _failed = true;
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Leaves decided changes in memory for a short while (<see cref="WalletRules.DeferredWriteDelay"/>); a
    /// non-interleaving one-shot timer writes them unless another write took them along first.</summary>
    private void DeferSave()
    {
        _unsaved = true;
        _flushTimer ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(rules.Value.DeferredWriteDelay, Timeout.InfiniteTimeSpan));
    }

    private async Task Flush()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (!_unsaved || _failed) return;
        try
        {
            await Save(Wallet);
        }
        catch (Exception ex)
        {
            // The hold stays stored; it is settled with its job (captured) like any hold whose capture was lost.
            LogFlushFailed(logger, ex, FreelancerId);
        }
    }

    private void ScheduleHoldResolution()
    {
        if (_holdTimer is not null || stored.State.Holds.Count == 0) return;
        var due = stored.State.Holds.Min(h => h.ExpiresAt) - Now;
        var period = rules.Value.HoldDuration;
        _holdTimer = this.RegisterGrainTimer(async () =>
        {
            await CatchUp();
            if (stored.State.Holds.Count == 0)
            {
                _holdTimer?.Dispose();
                _holdTimer = null;
            }
        }, due < TimeSpan.Zero ? TimeSpan.Zero : due, period);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not write its deferred changes; stored holds are settled with their jobs")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string freelancerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not resolve hold {HoldId} with its job yet")]
    private static partial void LogHoldUnresolved(ILogger logger, Exception ex, string freelancerId, string holdId);
}
