using Connects.Contracts;
using Connects.Domain;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using Xunit.Abstractions;

namespace Connects.Tests.Properties;

/// <summary>
/// The real proposal protocol (<see cref="ProposalProtocol"/>) under generated faults in every window it has: a hold's
/// write that fails (stored or not), a record whose answer is lost or that reaches the job late, a vouch lost, an
/// activation that dies before its deferred capture is written, holds that expire, jobs that ask about provisional
/// records, cancellations whose refund delivery is cut short. Wallets are written as the grain writes them (a copy of the
/// state is the durable one) and restart from it. Once everything settles: every proposal that stands was paid exactly
/// once, by the hold it names; nothing else was charged; no hold and no provisional record is left; no Connect is lost.
/// A failure names the CsCheck seed (re-run with CsCheck_Seed=...).
/// </summary>
public sealed class ProtocolPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void Under_faults_in_every_window_each_standing_proposal_is_paid_once_and_nothing_else_is_charged()
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        ProtocolWorld.Sequences.Sample(ops => ProtocolWorld.Run(ops, o => outcomes.AddOrUpdate(o, 1, (_, n) => n + 1)),
            iter: 600, print: ops => string.Join(Environment.NewLine, ops.Select((op, i) => $"  {i}: {op}")), writeLine: output.WriteLine);
        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        // Every fault window was reached, not just generated.
        foreach (var reached in new[] { "hold-write-failed", "record-lost", "record-late", "crash-after", "vouch-lost", "confirmed", "fenced-and-abandoned", "never-paid", "refunded" })
            Assert.True(outcomes.ContainsKey(reached), $"no run reached '{reached}'");
    }
}

/// <summary>What goes wrong in one submission attempt. <see cref="HoldWriteFailsAbandonLost"/>: the hold's write fails
/// unstored and the wallet's abandon of the record never reaches the job, which then holds a provisional record nobody paid.</summary>
internal enum Fault { None, HoldWriteFailsUnstored, HoldWriteFailsStored, HoldWriteFailsAbandonLost, RecordLost, RecordLate, CrashAfter, VouchLost }

internal abstract record ProtocolOp;
internal sealed record SubmitAttempt(int W, int J, Fault Fault) : ProtocolOp;
internal sealed record Crash(int W) : ProtocolOp;
internal sealed record LateRecordsArrive : ProtocolOp;
internal sealed record JobAsks(int J) : ProtocolOp;
internal sealed record Elapse(int Minutes) : ProtocolOp;
internal sealed record CancelJob(int J, bool CrashBeforeMark) : ProtocolOp;

internal sealed class ProtocolWorld
{
    private const int WalletCount = 3;
    private const int JobCount = 3;
    private const int Granted = 100;
    private static readonly WalletRules Rules = new();
    private static readonly DeepCopier<WalletState> Copier =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier<WalletState>>();

    public static readonly Gen<ProtocolOp[]> Sequences = Gen.Frequency<ProtocolOp>(
        (12, Gen.Select(Gen.Int[0, WalletCount - 1], Gen.Int[0, JobCount - 1], Gen.Enum<Fault>(), (w, j, f) => (ProtocolOp)new SubmitAttempt(w, j, f))),
        (3, Gen.Int[0, WalletCount - 1].Select(w => (ProtocolOp)new Crash(w))),
        (2, Gen.Const((ProtocolOp)new LateRecordsArrive())),
        (2, Gen.Int[0, JobCount - 1].Select(j => (ProtocolOp)new JobAsks(j))),
        (2, Gen.Int[1, 5].Select(m => (ProtocolOp)new Elapse(m))),
        (1, Gen.Select(Gen.Int[0, JobCount - 1], Gen.Bool, (j, c) => (ProtocolOp)new CancelJob(j, c)))).Array[5, 40];

    private readonly WalletState[] _durable = new WalletState[WalletCount];
    private readonly Wallet?[] _live = new Wallet?[WalletCount];
    private readonly bool[] _unsaved = new bool[WalletCount];
    private readonly Job[] _jobs = new Job[JobCount];
    private readonly int[] _price = [3, 7, 16];
    private readonly List<Action> _late = [];
    private readonly HashSet<(int W, int J)> _answered = [];
    private readonly Action<string> _observe;
    private int _activations;
    public DateTimeOffset Now { get; private set; } = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private ProtocolWorld(Action<string> observe)
    {
        _observe = observe;
        for (var w = 0; w < WalletCount; w++)
        {
            var wallet = new Wallet(new WalletState(), Rules);
            wallet.Open(Fid(w), Plan.Plus, Now);
            wallet.Grant("start", Granted, "property", null, Now);
            _durable[w] = Copier.Copy(wallet.State);
        }
        for (var j = 0; j < JobCount; j++)
        {
            _jobs[j] = new Job(new JobState());
            _jobs[j].Post(JobId(j), "client", new JobTerms(500m, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "dev", Now);
        }
    }

    private static string Fid(int w) => "f" + w;
    private static string JobId(int j) => "job-" + j;

    public static void Run(ProtocolOp[] ops, Action<string> observe)
    {
        var world = new ProtocolWorld(observe);
        for (var i = 0; i < ops.Length; i++)
        {
            try
            {
                world.Apply(ops[i]);
            }
            catch (Exception ex) when (ex is not PropertyViolation)
            {
                throw new PropertyViolation($"step {i} ({ops[i]}) threw {ex.GetType().Name}: {ex.Message}", ex);
            }
        }
        world.Quiesce();
        world.Check();
    }

    private void Apply(ProtocolOp op)
    {
        switch (op)
        {
            case SubmitAttempt s: Submit(s); break;
            case Crash c: _live[c.W] = null; break;
            case LateRecordsArrive: ArriveLate(); break;
            case JobAsks a: Ask(a.J); break;
            case Elapse e: Now = Now.AddMinutes(e.Minutes); break;
            case CancelJob c: Cancel(c.J, c.CrashBeforeMark); break;
        }
    }

    private void Submit(SubmitAttempt s)
    {
        var wallet = Touch(s.W);
        var activation = new Activation(this, s.W, s.Fault);
        var job = new FaultyJob(this, s.J, Fid(s.W), s.Fault);
        SubmissionResult result;
        try
        {
            result = new ProposalProtocol(wallet, activation, _ => job).Submit(JobId(s.J), 16).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            // The grain drops an activation whose write failed; the caller saw an error and may retry.
            _observe(ex is IOException ? "hold-write-failed" : job.Late ? "record-late" : "record-lost");
            if (ex is IOException) _live[s.W] = null;
            return;
        }
        _observe("answered-" + result.Outcome);
        if (result.Outcome is SubmissionOutcome.Submitted or SubmissionOutcome.AlreadySubmitted)
        {
            Require(result.ConnectsCharged == _price[s.J], $"{Fid(s.W)} was answered a charge of {result.ConnectsCharged} for {JobId(s.J)}, priced {_price[s.J]}");
            _answered.Add((s.W, s.J));
        }
        if (s.Fault == Fault.CrashAfter)
        {
            _observe("crash-after");
            _live[s.W] = null; // the deferred capture is lost with the activation
        }
        else if (s.Fault == Fault.VouchLost) _observe("vouch-lost");
        Flush(s.W);
    }

    /// <summary>The job's watch over provisional records: it asks each record's wallet (which settles it with the job).</summary>
    private void Ask(int j)
    {
        foreach (var record in _jobs[j].Unvouched().ToList())
        {
            var w = int.Parse(record.FreelancerId[1..]);
            var wallet = Touch(w);
            new ProposalProtocol(wallet, new Activation(this, w, Fault.None), _ => new FaultyJob(this, j, record.FreelancerId, Fault.None))
                .Confirm(JobId(j), record.HoldId).GetAwaiter().GetResult();
            Flush(w);
            _observe(_jobs[j].FindProposal(record.FreelancerId)?.HoldId == record.HoldId ? "confirmed" : "fenced-and-abandoned");
        }
    }

    private void Cancel(int j, bool crashBeforeMark)
    {
        _jobs[j].Cancel(CancelReason.ClientCancelled, Now);
        Deliver(j, crashBeforeMark);
    }

    /// <summary>The cancellation grain's delivery; <paramref name="crashBeforeMark"/> cuts it short after the first wallet.</summary>
    private void Deliver(int j, bool crashBeforeMark)
    {
        foreach (var refund in _jobs[j].RefundsOwed())
        {
            var w = int.Parse(refund.FreelancerId[1..]);
            var wallet = Touch(w);
            wallet.TryFindReceipt(ReceiptKeys.Refund(refund.JobId), out var before);
            var made = new ProposalProtocol(wallet, new Activation(this, w, Fault.None), _ => new FaultyJob(this, j, refund.FreelancerId, Fault.None))
                .Refund(refund, before).GetAwaiter().GetResult();
            _observe(made.Outcome == RefundOutcome.NeverPaid ? "never-paid" : made.Outcome == RefundOutcome.Refunded ? "refunded" : "already-refunded");
            Flush(w);
            if (crashBeforeMark) return;
            if (made.Outcome != RefundOutcome.NeverPaid) _jobs[j].MarkRefunded(refund.FreelancerId, Now);
        }
    }

    private void ArriveLate()
    {
        foreach (var arrive in _late) arrive();
        _late.Clear();
    }

    /// <summary>The wallet grain on a call: activated from storage if needed (settling every stored hold), then brought up
    /// to now (expired holds settled with their jobs).</summary>
    private Wallet Touch(int w)
    {
        var activating = _live[w] is null;
        var wallet = _live[w] ??= new Wallet(Copier.Copy(_durable[w]), Rules);
        if (activating) _activations++;
        var changed = wallet.State.Holds.Count > 0 && new ProposalProtocol(wallet, new Activation(this, w, Fault.None),
            id => new FaultyJob(this, int.Parse(id["job-".Length..]), Fid(w), Fault.None)).SettleHolds(activating).GetAwaiter().GetResult();
        if (wallet.Advance(Now) | changed) Store(w);
        return wallet;
    }

    private void Store(int w)
    {
        _durable[w] = Copier.Copy(_live[w]!.State);
        _unsaved[w] = false;
    }

    private void Flush(int w)
    {
        if (_live[w] is not null && _unsaved[w]) Store(w);
    }

    /// <summary>Everything in flight arrives, every activation dies and restarts, every job asks about what it still holds
    /// provisional, every delivery finishes.</summary>
    private void Quiesce()
    {
        ArriveLate();
        for (var round = 0; round < 2; round++)
        {
            for (var w = 0; w < WalletCount; w++)
            {
                _live[w] = null;
                Touch(w);
            }
            for (var j = 0; j < JobCount; j++)
            {
                Ask(j);
                Deliver(j, crashBeforeMark: false);
            }
        }
    }

    private void Check()
    {
        for (var w = 0; w < WalletCount; w++)
        {
            var state = _durable[w];
            Require(state.Holds.Count == 0, $"{Fid(w)} still holds {string.Join(", ", state.Holds.Select(h => h.HoldId))}");
            var expected = Rules.PlusMonthlyConnects + Granted;
            for (var j = 0; j < JobCount; j++)
            {
                var record = _jobs[j].FindProposal(Fid(w));
                var spends = state.Entries.Where(e => e.Kind == LedgerKind.Spend && e.Reference == ReceiptKeys.Paid(JobId(j))).ToList();
                var refunds = state.Entries.Where(e => e.Kind == LedgerKind.Refund && e.Reference == ReceiptKeys.Paid(JobId(j))).ToList();
                if (record is null)
                {
                    Require(spends.Count == 0, $"{Fid(w)} paid {JobId(j)}, which has no proposal of it");
                    Require(!_answered.Contains((w, j)), $"{Fid(w)} was answered a proposal to {JobId(j)} that does not stand");
                    continue;
                }
                Require(!record.AwaitingWallet, $"{JobId(j)} still holds {Fid(w)}'s record provisional");
                Require(spends.Count == 1 && spends[0].Amount == -record.ConnectsCharged,
                    $"{Fid(w)} has {spends.Count} spend entries for {JobId(j)}, which charged {record.ConnectsCharged}");
                Require(state.Receipts.TryGetValue(ReceiptKeys.Paid(JobId(j)), out var paid) && paid.HoldId == record.HoldId,
                    $"{Fid(w)}'s payment of {JobId(j)} names another hold than the record ({record.HoldId})");
                Require(refunds.Count == (record.RefundedAt is null ? 0 : 1), $"{Fid(w)} has {refunds.Count} refunds for {JobId(j)} ({record.Status})");
                expected -= record.ConnectsCharged - refunds.Sum(e => e.Amount);
            }
            Require(state.Balance == expected && state.Buckets.Sum(b => b.Amount) == expected,
                $"{Fid(w)} has {state.Balance} Connects ({state.Buckets.Sum(b => b.Amount)} in buckets), expected {expected}");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new PropertyViolation(message);
    }

    /// <summary>A wallet activation of this world: its writes copy the state to storage, or fail as the fault says.</summary>
    private sealed class Activation(ProtocolWorld world, int w, Fault fault) : IWalletActivation
    {
        private bool _faulted;
        private readonly string _tag = "t" + world._activations;
        public DateTimeOffset Now => world.Now;
        public string HoldTag => _tag;

        public Task Save()
        {
            // The first write of a submission under a hold-write fault is the hold's: it fails, stored or not.
            if (!_faulted && fault is Fault.HoldWriteFailsStored or Fault.HoldWriteFailsUnstored or Fault.HoldWriteFailsAbandonLost && world._live[w]!.State.Holds.Count > 0)
            {
                _faulted = true;
                if (fault == Fault.HoldWriteFailsStored) world.Store(w);
                return Task.FromException(new IOException("the hold's write failed"));
            }
            world.Store(w);
            return Task.CompletedTask;
        }

        public void SaveSoon() => world._unsaved[w] = true;
        public void ResolveHoldsLater() { }
        public Task<Receipt?> FindArchivedReceipt(string key, DateTimeOffset? appliedFrom) => Task.FromResult<Receipt?>(null);
        public void Deferred(string what, Exception error) { }
    }

    /// <summary>A job of this world, for one freelancer, with the fault of the attempt.</summary>
    private sealed class FaultyJob(ProtocolWorld world, int j, string freelancerId, Fault fault) : IProposalJob
    {
        private Job Job => world._jobs[j];
        public bool Late { get; private set; }
        public string JobId => ProtocolWorld.JobId(j);
        public Task<JobQuote> Quote() => Task.FromResult(new JobQuote(true, Job.State.Status, Price(world._price[j]), Job.FindProposal(freelancerId)));

        public Task<RecordResult> Record(Hold hold)
        {
            var now = world.Now;
            switch (fault)
            {
                case Fault.RecordLate:
                    Late = true;
                    world._late.Add(() => Job.Record(freelancerId, hold.HoldId, hold.Slices, world._price[j], now));
                    return Task.FromException<RecordResult>(new TimeoutException("the record is on its way"));
                case Fault.RecordLost:
                    Job.Record(freelancerId, hold.HoldId, hold.Slices, world._price[j], now);
                    return Task.FromException<RecordResult>(new TimeoutException("the record's answer was lost"));
                default:
                    return Task.FromResult(Job.Record(freelancerId, hold.HoldId, hold.Slices, world._price[j], now));
            }
        }

        public Task<Proposal?> ResolveHold(string holdId)
        {
            var (recorded, _) = Job.ResolveHold(freelancerId, holdId);
            if (recorded is not null) Job.Vouch(freelancerId, holdId);
            return Task.FromResult(recorded);
        }

        public void Vouch(string holdId)
        {
            if (fault != Fault.VouchLost) Job.Vouch(freelancerId, holdId);
        }

        public Task<AbandonOutcome> Abandon(string holdId) =>
            fault == Fault.HoldWriteFailsAbandonLost
                ? Task.FromException<AbandonOutcome>(new TimeoutException("the abandon did not reach the job"))
                : Task.FromResult(Job.Abandon(freelancerId, holdId));

        private static ConnectPrice Price(int connects) => new(connects, connects, 0, 0m, 1.0, 0, connects, 2, 16);
    }
}
