using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// A freelancer's wallet. Thin: it loads state, lets <see cref="Wallet"/> and the proposal protocol
/// (<see cref="ProposalProtocol"/>, to which it supplies writes, archive and jobs) decide, archives closed
/// cycles, persists, answers. Cycles are applied lazily on every call and activation; a durable
/// renewal cohort (<see cref="RenewalCohortGrain"/>) brings idle wallets up to date, and a duplicate or late refresh finds
/// nothing to do.
/// </summary>
public sealed partial class WalletGrain(
    [PersistentState("wallet", ConnectsStorage.Name)] IPersistentState<WalletState> stored,
    WalletServices services) : Grain, IWalletGrain, IRemindable
{
    /// <summary>The reminder each wallet had before renewal cohorts; its next tick moves the wallet to its cohort.</summary>
    public const string RefreshReminder = "monthly-refresh";
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
    /// <summary>Events of entries already stored whose recording in the events table failed, in sequence: recorded before
    /// any later event (next write, read of the feed or deactivation). Null while there is none, so an idle wallet carries none.</summary>
    private List<ConnectsEvent>? _unrecorded;
    /// <summary>The recording of <see cref="_unrecorded"/> started after a write, while it runs (see <see cref="RecordWhilePending"/>);
    /// null otherwise.</summary>
    private Task? _recording;

    private string FreelancerId => GrainKeys.IdOf(this);
    private Wallet Wallet => new(stored.State, services.Rules);
    private DateTimeOffset Now => services.Clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_durableSequence, _durableHolds) = (stored.State.NextSequence, stored.State.Holds.Count);
        // Entries stored by an earlier activation that died before it recorded their events are recorded first, before
        // this activation makes any new one: a subject's events enter the table in sequence.
        if (stored.State.IsOpen) await RecoverEvents();
        // Every stored hold belongs to an earlier activation, whose submission is over: its job decides it now rather
        // than when it expires. So a wallet that died after both writes, before its capture was stored, shows the
        // capture from its next read on, as it answered.
        if (stored.State.IsOpen) await CatchUp(settleEveryHold: true);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await RecordEvents(throwOnFailure: false);
        if (!_unsaved || _failed) return;
        try
        {
            await Save(Wallet);
        }
        catch (Exception ex)
        {
            LogFlushFailed(services.Logger, ex, FreelancerId);
        }
    }

    public async Task<WalletOpened> Open(Plan plan)
    {
        if (stored.State.IsOpen) return new WalletOpened(false, (await CatchUp()).View(Now));
        // On its renewal day's roll first: a wallet stored open is always on it. An entry whose wallet was never stored
        // (the write below failed) is harmless: refreshing a wallet that is not open does nothing.
        var now = Now;
        await services.Renewals.Enroll(RenewalDay.Of(now), FreelancerId);
        var wallet = Wallet;
        wallet.Open(FreelancerId, plan, now);
        await Save(wallet);
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
        var now = Now;
        // On the expiry notice roll before the write that adds the bucket (a row whose write failed is harmless).
        if (services.Rules.Bundles.Contains(bundle)) await ExpiresAt(wallet, wallet.PurchaseExpiry(now));
        var made = wallet.Purchase(paymentReference, bundle, now);
        await Save(wallet);
        return new PurchaseResult(true, made);
    }

    public async Task<GrantResult> Grant(string grantId, int amount, string reason, DateTimeOffset? expiresAt)
    {
        var wallet = await RequireOpen();
        var previous = await FindReceipt(wallet, ReceiptKeys.Grant(grantId));
        if (previous is not null) return new GrantResult(false, previous.Balance);
        if (expiresAt is { } expires && expires > Now) await ExpiresAt(wallet, expires);
        wallet.Grant(grantId, amount, reason, expiresAt, Now);
        await Save(wallet);
        return new GrantResult(true, wallet.Balance);
    }

    public async Task<SubmissionResult> SubmitProposal(string jobId, int expectedConnects)
    {
        var result = stored.State.IsOpen
            ? await Protocol(await CatchUp()).Submit(jobId, expectedConnects)
            : new SubmissionResult(SubmissionOutcome.WalletNotFound);
        if (result.Outcome == SubmissionOutcome.Submitted) services.Metrics.Submitted();
        else if (result.Outcome != SubmissionOutcome.AlreadySubmitted) services.Metrics.Refused(result.Outcome);
        return result;
    }

    public async Task<SubmissionResult> SubmitBoostedProposal(string jobId, int expectedConnects, int boostBid)
    {
        if (!stored.State.IsOpen) return new SubmissionResult(SubmissionOutcome.WalletNotFound);
        var wallet = await CatchUp();
        var result = await Boosts(wallet).Submit(Protocol(wallet), jobId, expectedConnects, boostBid);
        if (result.Outcome == SubmissionOutcome.Submitted) services.Metrics.Submitted();
        else if (result.Outcome != SubmissionOutcome.AlreadySubmitted) services.Metrics.Refused(result.Outcome);
        return result;
    }

    public async Task<BidResult> Boost(string jobId, int bid) =>
        stored.State.IsOpen ? await Boosts(await CatchUp()).Bid(jobId, bid) : new BidResult(BidOutcome.WalletNotFound);

    public async Task<RefundResult> GiveBackBid(string jobId, BoostGiveBack owed)
    {
        var wallet = await RequireOpen();
        // Given back after it was owed: only the receipt books from then on can hold its receipt.
        var before = await FindReceipt(wallet, ReceiptKeys.BoostBack(jobId, owed.Generation), owed.OwedAt);
        return await Boosts(wallet).GiveBack(jobId, owed, before);
    }

    public async Task<RefundResult> Refund(RefundOwed refund)
    {
        var wallet = await RequireOpen();
        // A refund is applied after its job was cancelled: only the receipt books from then on can hold its receipt.
        var before = await FindReceipt(wallet, ReceiptKeys.Refund(refund.JobId), refund.CancelledAt);
        return await Protocol(wallet).Refund(refund, before);
    }

    public async Task ConfirmProposal(string jobId, string holdId) =>
        await Protocol(stored.State.IsOpen ? await CatchUp() : Wallet).Confirm(jobId, holdId);

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

    public async Task<IReadOnlyList<ConnectsEvent>?> GetEvents(long after, int limit)
    {
        if (!stored.State.IsOpen) return null;
        await RecordEvents(throwOnFailure: true);
        return await services.Events.Read(FreelancerId, after, limit);
    }

    public async Task Refresh()
    {
        if (stored.State.IsOpen) await CatchUp();
        else DeactivateOnIdle();
    }

    /// <summary>A wallet opened before renewal cohorts has a reminder of its own: its next tick puts it on its renewal
    /// day's roll and removes the reminder, so the reminder table ends up with one row per renewal day.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RefreshReminder) return;
        if (stored.State.IsOpen)
        {
            await services.Renewals.Enroll(RenewalDay.Of(stored.State.Anchor), FreelancerId);
            BackgroundWork.Begin();
            await services.Pacer.Run(() => CatchUp());
        }
        if (await this.GetReminder(RefreshReminder) is { } own) await this.UnregisterReminder(own);
    }

    /// <summary>Puts the wallet on the expiry notice roll for a bucket expiring at <paramref name="expiresAt"/>, so that
    /// its expiring notice comes even if it is idle then (<see cref="ExpiryNoticeGrain"/>).</summary>
    private Task ExpiresAt(Wallet wallet, DateTimeOffset expiresAt) =>
        services.ExpiryNotices.Enroll(wallet.ExpiryNoticeDue(expiresAt), FreelancerId);

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
            LogLegacyBookNotCleared(services.Logger, ex, FreelancerId);
        }
    }

    /// <summary>The proposal protocol over <paramref name="wallet"/>, carried out by this activation.</summary>
    private ProposalProtocol Protocol(Wallet wallet) =>
        new(wallet, new Activation(this, wallet), jobId => new ProposalJob(GrainFactory.Job(jobId), jobId, FreelancerId));

    /// <summary>The boost protocol over <paramref name="wallet"/>, carried out by this activation.</summary>
    private BoostProtocol Boosts(Wallet wallet) =>
        new(wallet, new Activation(this, wallet), jobId => new BoostJob(GrainFactory.Job(jobId), jobId, FreelancerId));

    private async Task<Wallet> RequireOpen() =>
        stored.State.IsOpen
            ? await CatchUp()
            : throw new ConnectsRuleException(Refusals.WalletNotOpen, $"Freelancer {FreelancerId} has no wallet.");

    /// <summary>Brings the wallet up to now: settles expired holds (or every hold) with their jobs, applies cycles and expiries.</summary>
    private async Task<Wallet> CatchUp(bool settleEveryHold = false)
    {
        var wallet = Wallet;
        var changed = stored.State.Holds.Count > 0 && await Protocol(wallet).SettleHolds(settleEveryHold);
        changed |= stored.State.BidHolds is { Count: > 0 } && await Boosts(wallet).SettleHolds(settleEveryHold);
        changed |= wallet.Advance(Now);
        changed |= wallet.Notice(Now);
        if (changed) await Save(wallet);
        return wallet;
    }

    /// <summary>
    /// Archives closed cycles (statements and receipt books, one per year of cycles: idempotent writes) and then persists the wallet.
    /// If anything fails, the activation is dropped so the next call starts again from stored state.
    /// </summary>
    private async Task Save(Wallet wallet)
    {
        // The notices this write's change calls for (a low balance, a bucket now within its notice window) go in it.
        wallet.Notice(Now);
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
            if (made.Count > 0) (_unrecorded ??= []).AddRange(made.Select(e => WalletEvents.Of(FreelancerId, e)));
            services.Metrics.Recorded(made, Now);
            services.Metrics.HoldsChanged(stored.State.Holds.Count - _durableHolds);
            (_durableSequence, _durableHolds) = (stored.State.NextSequence, stored.State.Holds.Count);
        }
        catch
        {
            _failed = true;
            DeactivateOnIdle();
            throw;
        }
        // The change is durable: its events go to the events table now, without holding up the answer (a first-of-the-month
        // refresh or a submission does not wait for the table's commit). Should that fail, they stay in _unrecorded (and the
        // stored mark behind them) and are recorded before any later event; the change's answer stands.
        if (_unrecorded is { Count: > 0 } && _recording is null)
        {
            var recording = RecordWhilePending();
            _recording = recording.IsCompleted ? null : recording;
        }
    }

    /// <summary>Records the events waiting, one recording at a time, until none waits or one fails (those wait for the
    /// next write, read of the feed or deactivation). Runs on this activation beside its calls; never throws.</summary>
    private async Task RecordWhilePending()
    {
        try
        {
            while (_unrecorded is { Count: > 0 })
                await RecordPending();
        }
        catch (Exception ex)
        {
            LogEventsNotRecorded(services.Logger, ex, FreelancerId, _unrecorded?.Count ?? 0);
        }
        finally
        {
            // Done: an idle wallet keeps no finished task (it counts in the heap per idle wallet, docs/performance.md).
            _recording = null;
        }
    }

    /// <summary>Records the events of stored entries not recorded yet, in sequence (idempotent: an event already in the
    /// table stays as it is), after a recording still running, and marks them recorded in memory; the mark is stored
    /// with the next write.</summary>
    private async Task RecordEvents(bool throwOnFailure)
    {
        if (_recording is { } running) await running;
        if (_unrecorded is not { Count: > 0 }) return;
        try
        {
            await RecordPending();
        }
        catch (Exception ex) when (!throwOnFailure)
        {
            LogEventsNotRecorded(services.Logger, ex, FreelancerId, _unrecorded?.Count ?? 0);
        }
    }

    /// <summary>Records the events waiting now (a copy: a write made meanwhile adds its own behind them).</summary>
    private async Task RecordPending()
    {
        var events = _unrecorded!.ToArray();
        await services.Events.Record(events);
        stored.State.EventsRecordedBefore = Math.Max(stored.State.EventsRecordedBefore, events[^1].Sequence + 1);
        _unrecorded = _unrecorded.Count == events.Length ? null : _unrecorded.GetRange(events.Length, _unrecorded.Count - events.Length);
    }

    /// <summary>
    /// An activation's first step: the events of stored entries that an earlier activation did not record (it died between
    /// the write and the recording, or the recording failed) are recorded now, from the wallet's state or, for entries
    /// archived by that very write, from its statements. Fails the activation if the events table cannot be written, so no
    /// later event is recorded before them.
    /// </summary>
    private async Task RecoverEvents()
    {
        var state = stored.State;
        if (state.EventsRecordedBefore >= state.NextSequence) return;
        var oldestInState = state.Entries.Count > 0 ? state.Entries.Min(e => e.Sequence) : state.NextSequence;
        var from = WalletEvents.RecordFrom(state.EventsRecordedBefore, await services.Events.LastSequence(FreelancerId), oldestInState);
        if (from < state.NextSequence)
        {
            var entries = from < oldestInState ? await ArchivedEntries(from, oldestInState) : [];
            entries.AddRange(state.Entries.Where(e => e.Sequence >= from));
            _unrecorded = [.. entries.OrderBy(e => e.Sequence).Select(e => WalletEvents.Of(FreelancerId, e))];
            await RecordEvents(throwOnFailure: true);
        }
        state.EventsRecordedBefore = Math.Max(state.EventsRecordedBefore, state.NextSequence);
    }

    /// <summary>The archived entries from sequence <paramref name="from"/> up to (not including) <paramref name="before"/>,
    /// read from the newest statements back.</summary>
    private async Task<List<LedgerEntry>> ArchivedEntries(long from, long before)
    {
        var found = new List<LedgerEntry>();
        for (var statement = History.StatementOf(Math.Max(0, stored.State.Cycle - 1)); statement >= 0; statement--)
        {
            var entries = await GrainFactory.Statement(FreelancerId, statement).Read();
            found.AddRange(entries.Where(e => e.Sequence >= from && e.Sequence < before));
            if (entries.Any(e => e.Sequence <= from)) break;
        }
        return found;
    }

    /// <summary>Leaves decided changes in memory for a short while (<see cref="WalletProtocolSettings.DeferredWriteDelay"/>); a
    /// non-interleaving one-shot timer writes them unless another write took them along first.</summary>
    private void DeferSave()
    {
        _unsaved = true;
        _flushTimer ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(services.Protocol.DeferredWriteDelay, Timeout.InfiniteTimeSpan));
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
            LogFlushFailed(services.Logger, ex, FreelancerId);
        }
    }

    private void ScheduleHoldResolution()
    {
        var holds = stored.State.Holds.Concat(stored.State.BidHolds ?? []).ToList();
        if (_holdTimer is not null || holds.Count == 0) return;
        var due = holds.Min(h => h.ExpiresAt) - Now;
        var period = services.Rules.HoldDuration;
        _holdTimer = this.RegisterGrainTimer(async () =>
        {
            await CatchUp();
            if (stored.State.Holds.Count == 0 && stored.State.BidHolds is null)
            {
                _holdTimer?.Dispose();
                _holdTimer = null;
            }
        }, due < TimeSpan.Zero ? TimeSpan.Zero : due, period);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not write its deferred changes; stored holds are settled with their jobs")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, string freelancerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} could not record {Count} events of stored changes; they are recorded before any later one")]
    private static partial void LogEventsNotRecorded(ILogger logger, Exception ex, string freelancerId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} moved its old receipt book to books per year but could not clear it; it is not read again")]
    private static partial void LogLegacyBookNotCleared(ILogger logger, Exception ex, string freelancerId);

    private void Deferred(string what, Exception error) => LogDeferred(services.Logger, error, FreelancerId, what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wallet {FreelancerId} put off {What}; it is settled later")]
    private static partial void LogDeferred(ILogger logger, Exception ex, string freelancerId, string what);

    /// <summary>This activation, as the proposal protocol uses it.</summary>
    private sealed class Activation(WalletGrain grain, Wallet wallet) : IWalletActivation
    {
        public DateTimeOffset Now => grain.Now;
        public string HoldTag => grain._holdTag ??= Guid.NewGuid().ToString("N")[..12];
        public Task Save() => grain.Save(wallet);
        public void SaveSoon() => grain.DeferSave();
        public void ResolveHoldsLater() => grain.ScheduleHoldResolution();
        public Task<Receipt?> FindArchivedReceipt(string key, DateTimeOffset? appliedFrom) => grain.FindArchived(wallet, key, appliedFrom);
        public void Deferred(string what, Exception error) => grain.Deferred(what, error);
    }
}
