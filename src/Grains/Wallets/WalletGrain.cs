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
    IOptions<WalletProtocolSettings> protocol,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    ConnectsMetrics metrics,
    RefreshPacer pacer,
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
    /// <summary>Makes this activation's hold ids its own (see <see cref="Wallet.Reserve"/>); made on its first hold, so an
    /// idle wallet carries none (it counts in the heap per idle wallet, docs/performance.md).</summary>
    private string? _holdTag;

    private string HoldTag => _holdTag ??= Guid.NewGuid().ToString("N")[..12];

    private string FreelancerId => GrainKeys.IdOf(this);
    private Wallet Wallet => new(stored.State, rules.Value);
    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_durableSequence, _durableHolds) = (stored.State.NextSequence, stored.State.Holds.Count);
        // Every stored hold belongs to an earlier activation, whose submission is over: its job decides it now rather
        // than when it expires. So a wallet that died after both writes, before its capture was stored, shows the
        // capture from its next read on, as it answered.
        if (stored.State.IsOpen) await CatchUp(settleEveryHold: true);
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
        var period = protocol.Value.RefreshReminderPeriod;
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
                throw new ConnectsRuleException(Refusals.ReferenceReused,
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

        // A retry after the job recorded a proposal: finish what that attempt started, unless it never paid.
        if (await job.GetProposal(FreelancerId) is { } existing && await Existing(wallet, job, jobId, existing) is { } answered)
            return answered;

        // A hold left by an earlier attempt whose record may still reach the job (a request that timed out can be
        // delivered late): the job decides it now, as it does for an expired hold, so the wallet never gives back
        // Connects the job could still take. Every hold below is then this attempt's own.
        if (wallet.FindHold(jobId) is { } leftover)
        {
            if (await job.ResolveHold(FreelancerId, leftover.HoldId) is { } earlier)
            {
                await Settle(wallet, leftover, earlier);
                return AlreadySubmitted(earlier, wallet);
            }
            await ReleaseAndSave(wallet, leftover);
        }

        for (var attempt = 0; attempt < MaxPriceRetries; attempt++)
        {
            var quote = await job.Quote();
            if (!quote.Posted) return new SubmissionResult(SubmissionOutcome.JobNotFound);
            if (quote.Status != JobStatus.Open) return new SubmissionResult(SubmissionOutcome.JobNotOpen);
            var price = quote.Price!.Connects;
            if (price > expectedConnects) return new SubmissionResult(SubmissionOutcome.PriceChanged, ConnectsRequired: price);

            var hold = wallet.Reserve(jobId, price, Now, HoldTag);
            if (hold is null)
                return new SubmissionResult(SubmissionOutcome.InsufficientConnects, ConnectsRequired: price,
                    Balance: wallet.Balance, Available: wallet.Available, NextRefreshAt: wallet.CurrentCycle.End);

            // One durable write on the critical path: the hold's write and the job's record run at once. The job's record
            // is provisional until this wallet vouches that the hold is durable; every way this can break is settled below,
            // by a retry, or by the job asking this wallet (see docs/design.md, "one durable write on the critical path").
            var holding = Save(wallet);
            var recording = job.RecordProposal(FreelancerId, hold.HoldId, hold.Slices);
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
                // The hold may or may not be stored. The job drops a provisional record made with it and aborts it for good,
                // so neither a stored copy of the hold nor a late record can take Connects. This activation is going away.
                await AbandonAfterFailedHold(job, hold, recording);
                await holding;
            }
            if (!recording.IsCompletedSuccessfully)
            {
                // Unknown whether the job recorded it: keep the (durable) hold; it is resolved with the job when it expires,
                // by the caller's retry, or when the job asks about its provisional record, whichever comes first.
                ScheduleHoldResolution();
                await recording;
            }

            var recorded = recording.Result;
            switch (recorded.Outcome)
            {
                case RecordOutcome.Recorded or RecordOutcome.AlreadyRecorded when recorded.Proposal!.HoldId == hold.HoldId:
                    // Decided: the hold and the job's record are durable, so the capture need not be. It is made in memory
                    // (every read answers from memory) and written with the next write or the flush; if this activation dies
                    // first, the stored hold is settled with the job like an expired one: captured, because recorded.
                    wallet.Capture(hold.HoldId, recorded.Proposal.ConnectsCharged, Now);
                    DeferSave();
                    job.Vouch(FreelancerId, hold.HoldId).Ignore();
                    return new SubmissionResult(
                        recorded.Outcome == RecordOutcome.Recorded ? SubmissionOutcome.Submitted : SubmissionOutcome.AlreadySubmitted,
                        recorded.Proposal.ConnectsCharged, wallet.Balance);
                case RecordOutcome.AlreadyRecorded:
                    // An earlier attempt's record reached the job first (delivered late): this hold is not needed.
                    await ReleaseAndSave(wallet, hold);
                    if (await Existing(wallet, job, jobId, recorded.Proposal!) is { } earlier) return earlier;
                    continue;
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

    /// <summary>
    /// The job already has a proposal of this freelancer. Vouched, it stands: finish it. Provisional, it stands only if this
    /// wallet holds its hold (the job makes it stand, then the wallet captures) or paid it; otherwise its hold's write failed:
    /// the job abandons it and this returns null, so the submission goes on afresh.
    /// </summary>
    private async Task<SubmissionResult?> Existing(Wallet wallet, IJobGrain job, string jobId, Proposal existing)
    {
        var leftover = wallet.FindHold(jobId);
        if (!existing.AwaitingWallet)
        {
            if (leftover is not null) await Settle(wallet, leftover, existing);
            return AlreadySubmitted(existing, wallet);
        }
        if (leftover?.HoldId == existing.HoldId)
        {
            if (await job.ResolveHold(FreelancerId, leftover.HoldId) is { } recorded)
            {
                await Settle(wallet, leftover, recorded);
                return AlreadySubmitted(recorded, wallet);
            }
            await ReleaseAndSave(wallet, leftover);
            return null;
        }
        if (await HoldsOrPaid(wallet, jobId, existing.HoldId, () => Task.FromResult<DateTimeOffset?>(existing.SubmittedAt)))
        {
            job.Vouch(FreelancerId, existing.HoldId).Ignore();
            return AlreadySubmitted(existing, wallet);
        }
        await AbandonUnpaid(job, existing.HoldId);
        return null;
    }

    /// <summary>
    /// This wallet neither holds nor paid <paramref name="holdId"/>, which a provisional record of the job names. A write
    /// first: a dead activation's write of that hold, still on its way, then fails on its stale ETag (or landed before, and
    /// this write fails instead), so "never paid" stays true. Then the job drops the record and aborts the hold for good.
    /// </summary>
    private async Task AbandonUnpaid(IJobGrain job, string holdId)
    {
        await Save(Wallet);
        if (await job.AbandonProposal(FreelancerId, holdId) == AbandonOutcome.Stands)
            throw new InvalidOperationException($"Job {job.GetPrimaryKeyString()} keeps a proposal with hold {holdId}, which wallet {FreelancerId} never paid.");
    }

    private async Task AbandonAfterFailedHold(IJobGrain job, Hold hold, Task<RecordResult> recording)
    {
        if (recording.IsCompletedSuccessfully && recording.Result.Proposal?.HoldId != hold.HoldId) return; // nothing recorded with it
        try
        {
            await job.AbandonProposal(FreelancerId, hold.HoldId);
        }
        catch (Exception ex)
        {
            // The caller's retry, or the job asking about its provisional record, settles it.
            LogAbandonFailed(logger, ex, FreelancerId, hold.HoldId);
        }
    }

    private static SubmissionResult AlreadySubmitted(Proposal proposal, Wallet wallet) =>
        new(SubmissionOutcome.AlreadySubmitted, proposal.ConnectsCharged, wallet.Balance);

    public async Task<RefundResult> Refund(RefundOwed refund)
    {
        var wallet = await RequireOpen();
        // A refund is applied after its job was cancelled: only the receipt books from then on can hold its receipt.
        if (await FindReceipt(wallet, ReceiptKeys.Refund(refund.JobId), refund.CancelledAt) is not null)
            return new RefundResult(RefundOutcome.AlreadyRefunded);

        // Give back only what was taken. The record's hold still held here (its capture was cut short) is captured first;
        // a provisional record's is made to stand by the job before that, as for any hold it decides.
        var job = GrainFactory.Job(refund.JobId);
        if (wallet.FindHold(refund.JobId) is { } hold && hold.HoldId == refund.HoldId)
        {
            if (refund.AwaitingWallet && await job.ResolveHold(FreelancerId, hold.HoldId) is null)
            {
                await ReleaseAndSave(wallet, hold);
                return new RefundResult(RefundOutcome.NeverPaid);
            }
            wallet.Capture(hold.HoldId, refund.Amount, Now);
        }
        else if (refund.AwaitingWallet && !await HoldsOrPaid(wallet, refund.JobId, refund.HoldId, () => Task.FromResult(refund.SubmittedAt)))
        {
            // Never paid (its hold's write failed): after a write that fences out a late one, say so; the job drops the record.
            await Save(wallet);
            return new RefundResult(RefundOutcome.NeverPaid);
        }
        wallet.Refund(refund.JobId, refund.Slices, Now);
        await Save(wallet);
        return new RefundResult(RefundOutcome.Refunded);
    }

    public async Task ConfirmProposal(string jobId, string holdId)
    {
        var job = GrainFactory.Job(jobId);
        // No wallet, no hold was ever written: nothing to fence.
        if (!stored.State.IsOpen)
        {
            await job.AbandonProposal(FreelancerId, holdId);
            return;
        }
        var wallet = await CatchUp();
        if (wallet.FindHold(jobId) is { } hold && hold.HoldId == holdId)
        {
            if (await job.ResolveHold(FreelancerId, holdId) is { } recorded) await Settle(wallet, hold, recorded);
            else await ReleaseAndSave(wallet, hold);
            return;
        }
        if (await HoldsOrPaid(wallet, jobId, holdId, () => SubmittedAt(job, holdId)))
        {
            job.Vouch(FreelancerId, holdId).Ignore();
            return;
        }
        await AbandonUnpaid(job, holdId);
    }

    public async Task<HistoryPage?> GetHistory(HistoryQuery query)
    {
        if (!stored.State.IsOpen) return null;
        var wallet = await CatchUp();
        var recent = History.Select(stored.State.Entries, query).ToList();
        if (recent.Count > query.Limit) return History.Page(recent, query.Limit);
        var oldestUnarchived = stored.State.Entries.Select(e => e.Cycle).DefaultIfEmpty(stored.State.Cycle).Min();
        var entries = recent;
        foreach (var statement in History.StatementsToRead(stored.State.Anchor, query, oldestUnarchived))
        {
            var closed = await GrainFactory.Statement(FreelancerId, statement).Read();
            entries.AddRange(History.Select(closed, query));
            if (entries.Count > query.Limit) break;
        }
        return History.Page(entries, query.Limit);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefreshReminder || !stored.State.IsOpen) return;
        await pacer.Run(() => CatchUp());
    }

    private IReceiptBookGrain ReceiptBook(int year) => GrainFactory.ReceiptBook(FreelancerId, year);

    /// <summary>A receipt in the wallet, else in the receipt books that may hold it: those from
    /// <paramref name="appliedFrom"/>'s cycle on, or without it those of the idempotency window (<see cref="Wallet.ReceiptBooksToRead"/>).</summary>
    private async Task<Receipt?> FindReceipt(Wallet wallet, string key, DateTimeOffset? appliedFrom = null) =>
        wallet.TryFindReceipt(key, out var receipt) ? receipt : await FindArchived(wallet, key, appliedFrom);

    private async Task<Receipt?> FindArchived(Wallet wallet, string key, DateTimeOffset? appliedFrom)
    {
        if (wallet.KeepsLegacyReceiptBook) await MoveLegacyReceiptBook(wallet);
        foreach (var year in wallet.ReceiptBooksToRead(appliedFrom))
            if (await ReceiptBook(year).Find(key) is { } receipt) return receipt;
        return null;
    }

    /// <summary>
    /// A wallet stored before receipt books per year may have archived receipts in the one book of old: they are added to
    /// the books of their years, then the wallet is written knowing those years, then the old row is cleared. Cut short,
    /// it is done again (adding is idempotent); a row left uncleared is never read again.
    /// </summary>
    private async Task MoveLegacyReceiptBook(Wallet wallet)
    {
        var legacy = GrainFactory.LegacyReceiptBook(FreelancerId);
        var receipts = await legacy.All();
        foreach (var year in receipts.GroupBy(r => ReceiptBooks.YearOf(r.Cycle)))
            await ReceiptBook(year.Key).Add([.. year]);
        wallet.ReceiptBookMoved(receipts);
        await Save(wallet);
        if (receipts.Count == 0) return;
        try
        {
            await legacy.Clear();
        }
        catch (Exception ex)
        {
            LogLegacyBookNotCleared(logger, ex, FreelancerId);
        }
    }

    /// <summary>Whether this wallet holds or paid a hold: from its state, else from the receipt books that may hold the paid
    /// receipt, those from the proposal's submission on (<paramref name="submittedAt"/>, asked only then; null: the
    /// idempotency window's).</summary>
    private async Task<bool> HoldsOrPaid(Wallet wallet, string jobId, string holdId, Func<Task<DateTimeOffset?>> submittedAt)
    {
        if (wallet.HoldsOrPaid(jobId, holdId)) return true;
        if (wallet.TryFindReceipt(ReceiptKeys.Paid(jobId), out _)) return false;
        return wallet.HoldsOrPaid(jobId, holdId, await FindArchived(wallet, ReceiptKeys.Paid(jobId), await submittedAt()));
    }

    /// <summary>When the job's record made with <paramref name="holdId"/> was submitted; null if the job has no such record
    /// (then no payment of that hold can stand either).</summary>
    private async Task<DateTimeOffset?> SubmittedAt(IJobGrain job, string holdId) =>
        await job.GetProposal(FreelancerId) is { } proposal && proposal.HoldId == holdId ? proposal.SubmittedAt : null;

    private async Task<Wallet> RequireOpen() =>
        stored.State.IsOpen
            ? await CatchUp()
            : throw new ConnectsRuleException(Refusals.WalletNotOpen, $"Freelancer {FreelancerId} has no wallet.");

    /// <summary>Brings the wallet up to now: resolves expired holds (or every hold) with their jobs, applies cycles and expiries.</summary>
    private async Task<Wallet> CatchUp(bool settleEveryHold = false)
    {
        var wallet = Wallet;
        var changed = false;
        foreach (var hold in stored.State.Holds.Where(h => settleEveryHold || h.ExpiresAt <= Now).ToList())
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
    /// Archives closed cycles (statements and receipt books, one per year of cycles: idempotent writes) and then persists the wallet.
    /// If anything fails, the activation is dropped so the next call starts again from stored state.
    /// </summary>
    private async Task Save(Wallet wallet)
    {
        try
        {
            foreach (var statement in wallet.EntriesToArchive().GroupBy(e => History.StatementOf(e.Cycle)))
                await GrainFactory.Statement(FreelancerId, statement.Key).Write(statement.ToList());
            foreach (var book in wallet.ReceiptsToArchive().GroupBy(r => ReceiptBooks.YearOf(r.Cycle)))
                await ReceiptBook(book.Key).Add([.. book]);
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

    /// <summary>Leaves decided changes in memory for a short while (<see cref="WalletProtocolSettings.DeferredWriteDelay"/>); a
    /// non-interleaving one-shot timer writes them unless another write took them along first.</summary>
    private void DeferSave()
    {
        _unsaved = true;
        _flushTimer ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(protocol.Value.DeferredWriteDelay, Timeout.InfiniteTimeSpan));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not have its job abandon hold {HoldId} after the hold's write failed")]
    private static partial void LogAbandonFailed(ILogger logger, Exception ex, string freelancerId, string holdId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not write its deferred changes; stored holds are settled with their jobs")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string freelancerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} moved its old receipt book to books per year but could not clear it; it is not read again")]
    private static partial void LogLegacyBookNotCleared(ILogger logger, Exception ex, string freelancerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not resolve hold {HoldId} with its job yet")]
    private static partial void LogHoldUnresolved(ILogger logger, Exception ex, string freelancerId, string holdId);
}
