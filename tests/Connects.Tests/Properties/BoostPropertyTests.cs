using Connects.Contracts;
using Connects.Domain;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using Xunit.Abstractions;

namespace Connects.Tests.Properties;

/// <summary>
/// Boosted proposals under random sequences of submit (with or without a bid), bid, raise, withdraw, decline, hire, cancel,
/// give-back deliveries (cut short or not), wallet crashes and clock moves, with the real protocols
/// (<see cref="BoostProtocol"/>, <see cref="ProposalProtocol"/>) and the real job rules (<see cref="Job"/>,
/// <see cref="Auction"/>). A bid attempt may meet a fault in each window: its hold's write failing (stored or not), the
/// placement failing before it reaches the job, its answer lost, or it arriving late (after the wallet settled the hold), or
/// the wallet dying before its capture is stored. After every step: at most 4 boosted, the ranking consistent with the bids,
/// every Connect bid held, kept, owed back or given back, wallets' ledgers and the jobs' bids agree (the audit). Once
/// everything settles: the audit is clean, no hold is left and every give-back (each outbid's return, each refund) reached
/// its wallet exactly once. A failure names the CsCheck seed (re-run with CsCheck_Seed=...).
/// </summary>
public sealed class BoostPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void Random_bids_keep_four_boosted_a_consistent_ranking_and_every_Connect_bid_accounted_for()
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        long steps = 0;
        BoostWorld.Sequences.Sample(ops =>
        {
            BoostWorld.Run(ops, o => outcomes.AddOrUpdate(o, 1, (_, n) => n + 1));
            Interlocked.Add(ref steps, ops.Length);
        }, iter: 400, print: ops => string.Join(Environment.NewLine, ops.Select((op, i) => $"  {i}: {op}")), writeLine: output.WriteLine);
        output.WriteLine($"{steps} steps; outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        // Every rule and every fault window was reached, not just generated.
        foreach (var reached in new[] { "boosted", "outbid", "raised", "re-entered", "not-entering", "unchanged", "not-higher", "closed",
                     "insufficient", "hold-write-failed", "place-failed", "place-lost", "place-late-refused", "crash-before-capture",
                     "withdrawn-winner", "refunded", "delivery-cut-short" })
            Assert.True(outcomes.ContainsKey(reached), $"no run reached '{reached}'");
    }
}

internal enum BidFault { None, HoldWriteFailsStored, HoldWriteFailsUnstored, PlaceFails, PlaceLost, PlaceLate, CrashBeforeCapture }

internal abstract record BoostOp;
internal sealed record BoostSubmit(int W, int J, int? Bid) : BoostOp;
internal sealed record BoostBidOp(int W, int J, int Bid, BidFault Fault) : BoostOp;
internal sealed record BoostWithdraw(int W, int J) : BoostOp;
internal sealed record BoostDecline(int W, int J) : BoostOp;
internal sealed record BoostHire(int W, int J) : BoostOp;
internal sealed record BoostCancel(int J, CancelReason Reason) : BoostOp;
internal sealed record BoostDeliver(int J, bool CutShort) : BoostOp;
internal sealed record BoostCrash(int W) : BoostOp;
internal sealed record BoostLateArrive : BoostOp;
internal sealed record BoostElapse(int Minutes) : BoostOp;

internal sealed class BoostWorld
{
    private const int WalletCount = 7;
    private const int JobCount = 2;
    /// <summary>Most sequences bid on the first job only, so that its top spots overflow; the second sees the rest.</summary>
    private static readonly Gen<int> JobIndex = Gen.Frequency((5, Gen.Const(0)), (1, Gen.Const(1)));
    private const int Spots = 4;
    private const int Granted = 10;
    private static readonly TimeSpan AuctionDuration = TimeSpan.FromDays(7);
    private static readonly WalletRules Rules = new();
    private static readonly DeepCopier<WalletState> Copier =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier<WalletState>>();
    private static readonly string[] StepFindings =
    [
        LedgerAudit.LedgerMismatch, LedgerAudit.TotalsMismatch, LedgerAudit.BucketsMismatch, LedgerAudit.NegativeBalance,
        LedgerAudit.BidUnaccounted, LedgerAudit.BidChargeMismatch, LedgerAudit.BidGiveBackMismatch, LedgerAudit.BidNotRecorded,
    ];

    public static readonly Gen<BoostOp[]> Sequences = Gen.Frequency<BoostOp>(
        (16, Gen.Select(Gen.Int[0, WalletCount - 1], JobIndex, Gen.Frequency((1, Gen.Const((int?)null)), (2, Gen.Int[1, 25].Select(b => (int?)b))),
            (w, j, b) => (BoostOp)new BoostSubmit(w, j, b))),
        (22, Gen.Select(Gen.Int[0, WalletCount - 1], JobIndex, Gen.Int[1, 70],
            Gen.Frequency((6, Gen.Const(BidFault.None)), (3, Gen.Enum<BidFault>())), (w, j, b, f) => (BoostOp)new BoostBidOp(w, j, b, f))),
        (2, Gen.Select(Gen.Int[0, WalletCount - 1], JobIndex, (w, j) => (BoostOp)new BoostWithdraw(w, j))),
        (1, Gen.Select(Gen.Int[0, WalletCount - 1], JobIndex, (w, j) => (BoostOp)new BoostDecline(w, j))),
        (1, Gen.Select(Gen.Int[0, WalletCount - 1], JobIndex, (w, j) => (BoostOp)new BoostHire(w, j))),
        (1, Gen.Select(JobIndex, Gen.Enum<CancelReason>(), (j, r) => (BoostOp)new BoostCancel(j, r))),
        (4, Gen.Select(Gen.Int[0, JobCount - 1], Gen.Bool, (j, c) => (BoostOp)new BoostDeliver(j, c))),
        (2, Gen.Int[0, WalletCount - 1].Select(w => (BoostOp)new BoostCrash(w))),
        (2, Gen.Const((BoostOp)new BoostLateArrive())),
        (2, Gen.Frequency((3, Gen.Int[1, 5]), (1, Gen.Int[1, 4].Select(d => d * 24 * 60))).Select(m => (BoostOp)new BoostElapse(m)))).Array[5, 70];

    private readonly WalletState[] _durable = new WalletState[WalletCount];
    private readonly Wallet?[] _live = new Wallet?[WalletCount];
    private readonly JobState[] _jobs = new JobState[JobCount];
    private readonly int[] _price = [3, 9];
    private readonly List<Action> _late = [];
    /// <summary>Every give-back any job ever owed: (job, freelancer, holding, kind).</summary>
    private readonly HashSet<(int J, string F, int Generation, GiveBackKind Kind)> _owedEver = [];
    private readonly Action<string> _observe;
    private int _activations;
    private DateTimeOffset Now { get; set; } = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private BoostWorld(Action<string> observe)
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
            _jobs[j] = new JobState();
            Job(j).Post(JobId(j), "client", new JobTerms(500m, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "dev", Now);
        }
    }

    private static string Fid(int w) => "f" + w;
    private static string JobId(int j) => "job-" + j;
    private Job Job(int j) => new(_jobs[j]);
    private Auction Auction(int j) => new(_jobs[j], Spots, AuctionDuration);

    public static void Run(BoostOp[] ops, Action<string> observe)
    {
        var world = new BoostWorld(observe);
        for (var i = 0; i < ops.Length; i++)
        {
            try
            {
                world.Apply(ops[i]);
                world.NoteOwed();
                world.CheckStep();
            }
            catch (Exception ex) when (ex is not PropertyViolation)
            {
                throw new PropertyViolation($"step {i} ({ops[i]}) threw {ex.GetType().Name}: {ex.Message}", ex);
            }
            catch (PropertyViolation ex)
            {
                throw new PropertyViolation($"step {i} ({ops[i]}): {ex.Message}", ex);
            }
        }
        world.Quiesce();
        world.CheckSettled();
    }

    private void Apply(BoostOp op)
    {
        switch (op)
        {
            case BoostSubmit(var w, var j, var bid):
                Submit(w, j, bid);
                break;
            case BoostBidOp(var w, var j, var bid, var fault):
                PlaceBid(w, j, bid, fault);
                break;
            case BoostWithdraw(var w, var j):
                Rule(() =>
                {
                    var winner = _jobs[j].Bids.GetValueOrDefault(Fid(w))?.Boosted == true;
                    Job(j).Withdraw(Fid(w));
                    if (winner) _observe("withdrawn-winner");
                });
                break;
            case BoostDecline(var w, var j):
                Rule(() => Job(j).Decline(Fid(w)));
                break;
            case BoostHire(var w, var j):
                Rule(() => Job(j).Hire(Fid(w), Now));
                break;
            case BoostCancel(var j, var reason):
                Rule(() => Job(j).Cancel(reason, Now));
                break;
            case BoostDeliver(var j, var cutShort):
                Deliver(j, cutShort);
                break;
            case BoostCrash(var w):
                _live[w] = null;
                break;
            case BoostLateArrive:
                ArriveLate();
                break;
            case BoostElapse(var minutes):
                Now += TimeSpan.FromMinutes(minutes);
                break;
        }
    }

    private static void Rule(Action action)
    {
        try
        {
            action();
        }
        catch (ConnectsRuleException)
        {
            // Refused, as the API would answer: nothing changed.
        }
    }

    private void Submit(int w, int j, int? bid)
    {
        var wallet = Touch(w);
        var proposals = new ProposalProtocol(wallet, new Activation(this, w, BidFault.None), _ => new ProposalJobOf(this, j, Fid(w)));
        var result = bid is { } b
            ? Boosts(w, wallet, BidFault.None).Submit(proposals, JobId(j), 16, b).GetAwaiter().GetResult()
            : proposals.Submit(JobId(j), 16).GetAwaiter().GetResult();
        if (result.Outcome == SubmissionOutcome.InsufficientConnects) _observe("insufficient");
        if (result.Boosted) _observe("boosted");
    }

    private void PlaceBid(int w, int j, int bid, BidFault fault)
    {
        var wallet = Touch(w);
        var before = _jobs[j].Bids.GetValueOrDefault(Fid(w)) is { } b ? (Bid: b.Bid, Boosted: b.Boosted, Generation: b.Generation) : (Bid: 0, Boosted: false, Generation: 0);
        var owed = _jobs[j].GiveBacksOwed.Count(g => g.Kind == GiveBackKind.Returned);
        try
        {
            var result = Boosts(w, wallet, fault).Bid(JobId(j), bid).GetAwaiter().GetResult();
            _observe(result.Outcome switch
            {
                BidOutcome.Placed when before.Boosted => "raised",
                BidOutcome.Placed when result.Boosted && before.Generation > 0 => "re-entered",
                BidOutcome.Placed when result.Boosted => "boosted",
                BidOutcome.Placed => "not-entering",
                BidOutcome.Unchanged => "unchanged",
                BidOutcome.BidNotHigher => "not-higher",
                BidOutcome.AuctionClosed or BidOutcome.JobNotOpen => "closed",
                BidOutcome.InsufficientConnects => "insufficient",
                var other => other.ToString(),
            });
            if (result.Outcome == BidOutcome.Placed)
            {
                Require(result.Charged == (before.Boosted ? bid - before.Bid : result.Boosted ? bid : 0),
                    $"a bid of {bid} (was {before.Bid}, boosted {before.Boosted}) charged {result.Charged}");
            }
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            _live[w] = null; // the call failed: the activation goes away, its next one starts from storage
            _observe(fault switch
            {
                BidFault.HoldWriteFailsStored or BidFault.HoldWriteFailsUnstored => "hold-write-failed",
                BidFault.PlaceFails => "place-failed",
                BidFault.PlaceLost => "place-lost",
                BidFault.CrashBeforeCapture => "crash-before-capture",
                _ => "place-late",
            });
        }
        if (_jobs[j].GiveBacksOwed.Count(g => g.Kind == GiveBackKind.Returned) > owed) _observe("outbid");
    }

    /// <summary>The CancellationGrain's delivery: each give-back applied by its wallet (once, by receipt), then marked; cut
    /// short, the first is applied and not marked.</summary>
    private void Deliver(int j, bool cutShort)
    {
        foreach (var owed in _jobs[j].GiveBacksOwed.ToList())
        {
            var wallet = Touch(int.Parse(owed.FreelancerId[1..]));
            var w = int.Parse(owed.FreelancerId[1..]);
            var before = wallet.TryFindReceipt(ReceiptKeys.BoostBack(JobId(j), owed.Generation), out var receipt) ? receipt : null;
            Boosts(w, wallet, BidFault.None).GiveBack(JobId(j), owed, before).GetAwaiter().GetResult();
            if (owed.Kind == GiveBackKind.Refunded) _observe("refunded");
            if (cutShort)
            {
                _observe("delivery-cut-short");
                return;
            }
            global::Connects.Domain.Auction.MarkGivenBack(_jobs[j], owed.FreelancerId, owed.Generation);
        }
    }

    private void ArriveLate()
    {
        foreach (var arrive in _late) arrive();
        _late.Clear();
    }

    private void NoteOwed()
    {
        for (var j = 0; j < JobCount; j++)
            foreach (var owed in _jobs[j].GiveBacksOwed) _owedEver.Add((j, owed.FreelancerId, owed.Generation, owed.Kind));
    }

    private BoostProtocol Boosts(int w, Wallet wallet, BidFault fault) =>
        new(wallet, new Activation(this, w, fault), id => new BoostJobOf(this, int.Parse(id["job-".Length..]), Fid(w), fault));

    /// <summary>The wallet grain on a call: activated from storage if needed (settling every stored bid hold), then its
    /// expired holds settled.</summary>
    private Wallet Touch(int w)
    {
        var activating = _live[w] is null;
        var wallet = _live[w] ??= new Wallet(Copier.Copy(_durable[w]), Rules);
        if (activating) _activations++;
        var changed = wallet.BidHolds.Count > 0 && Boosts(w, wallet, BidFault.None).SettleHolds(activating).GetAwaiter().GetResult();
        if (wallet.Advance(Now) | changed) Store(w);
        return wallet;
    }

    private void Store(int w) => _durable[w] = Copier.Copy(_live[w]!.State);

    private IReadOnlyList<AuditFinding> Audit() =>
        LedgerAudit.Run([.. _durable.Select((s, w) => new StoredWallet(Fid(w), s, []))], _jobs, Now, TimeSpan.FromDays(3650)).Findings;

    private void CheckStep()
    {
        for (var j = 0; j < JobCount; j++)
        {
            var auction = Auction(j);
            var winners = auction.Winners();
            Require(winners.Count <= Spots, $"{JobId(j)} has {winners.Count} boosted");
            var ranking = auction.Ranking();
            var boosted = ranking.TakeWhile(r => r.Boosted).ToList();
            Require(ranking.Skip(boosted.Count).All(r => !r.Boosted), $"{JobId(j)} ranks a boosted proposal below an unboosted one");
            Require(boosted.Select(r => r.FreelancerId).SequenceEqual(winners.Select(b => b.FreelancerId)), $"{JobId(j)}'s list does not start with its winners");
            for (var i = 1; i < winners.Count; i++)
                Require(winners[i - 1].Bid > winners[i].Bid || (winners[i - 1].Bid == winners[i].Bid && winners[i - 1].BidOrder < winners[i].BidOrder),
                    $"{JobId(j)} ranks {winners[i - 1].FreelancerId} ({winners[i - 1].Bid}) above {winners[i].FreelancerId} ({winners[i].Bid})");
            var rest = ranking.Skip(boosted.Count).ToList();
            for (var i = 1; i < rest.Count; i++)
                Require(rest[i - 1].SubmittedAt <= rest[i].SubmittedAt, $"{JobId(j)} ranks unboosted proposals out of submission order");
            foreach (var bid in _jobs[j].Bids.Values)
            {
                Require(!bid.Boosted || bid.HeldAmount == bid.Bid, $"{bid.FreelancerId} is boosted on {JobId(j)} at {bid.Bid} holding {bid.HeldAmount}");
                Require(bid.Boosted || bid.HeldAmount == 0, $"{bid.FreelancerId} holds {bid.HeldAmount} on {JobId(j)} unboosted");
            }
            // A boosted bid is never lower than one left out while the auction is open, unless the one left out was returned
            // (a returned bid comes back only when raised).
        }
        var findings = Audit().Where(f => StepFindings.Contains(f.Kind)).ToList();
        Require(findings.Count == 0, string.Join("; ", findings.Select(f => $"{f.Kind} {f.Subject}: {f.Detail}")));
    }

    /// <summary>Everything in flight arrives, every activation restarts (settling its stored holds), every delivery finishes.</summary>
    private void Quiesce()
    {
        ArriveLate();
        for (var w = 0; w < WalletCount; w++)
        {
            _live[w] = null;
            Touch(w);
        }
        NoteOwed(); // a late placement may have pushed a winner out
        for (var j = 0; j < JobCount; j++) Deliver(j, cutShort: false);
    }

    private void CheckSettled()
    {
        var findings = Audit();
        Require(findings.Count == 0, "the audit found: " + string.Join("; ", findings.Select(f => $"{f.Kind} {f.Subject}: {f.Detail}")));
        for (var w = 0; w < WalletCount; w++)
        {
            var state = _durable[w];
            Require(state.BidHolds is null && state.Holds.Count == 0, $"{Fid(w)} still holds Connects");
            for (var j = 0; j < JobCount; j++)
            {
                Require(_jobs[j].GiveBacksOwed.Count == 0, $"{JobId(j)} still owes give-backs");
                foreach (var kind in new[] { GiveBackKind.Returned, GiveBackKind.Refunded })
                {
                    var owed = _owedEver.Count(o => o.J == j && o.F == Fid(w) && o.Kind == kind);
                    var entries = state.Entries.Count(e => e.Reference == JobId(j)
                        && e.Kind == (kind == GiveBackKind.Returned ? LedgerKind.BoostReturned : LedgerKind.BoostRefunded));
                    Require(owed == entries, $"{Fid(w)} was owed {owed} {kind} give-backs on {JobId(j)} and has {entries} entries");
                }
                foreach (var owed in _owedEver.Where(o => o.J == j && o.F == Fid(w)))
                    Require(state.Receipts.ContainsKey(ReceiptKeys.BoostBack(JobId(j), owed.Generation)), $"{Fid(w)} has no receipt for {owed}");
            }
            // Every Connect bid is still held by a winner, kept from a winner who withdrew, returned or refunded.
            var kept = Enumerable.Range(0, JobCount).Sum(j => _jobs[j].Bids.GetValueOrDefault(Fid(w)) is { } b ? b.Kept + b.HeldAmount : 0);
            var bidNet = state.Entries.Where(e => e.Kind is LedgerKind.BoostBid or LedgerKind.BoostReturned or LedgerKind.BoostRefunded).Sum(e => e.Amount);
            Require(-bidNet == kept, $"{Fid(w)} is out {-bidNet} Connects on bids; the jobs hold or kept {kept}");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new PropertyViolation(message);
    }

    /// <summary>A wallet activation of this world: its writes copy the state to storage, or fail as the fault says.</summary>
    private sealed class Activation(BoostWorld world, int w, BidFault fault) : IWalletActivation
    {
        private int _writes;
        private readonly string _tag = "t" + world._activations;
        public DateTimeOffset Now => world.Now;
        public string HoldTag => _tag;

        public Task Save()
        {
            _writes++;
            var holding = world._live[w]!.State.BidHolds is { Count: > 0 };
            // The first write of a bid that needs Connects is its hold's; the second, its capture.
            if (_writes == 1 && holding && fault is BidFault.HoldWriteFailsStored or BidFault.HoldWriteFailsUnstored)
            {
                if (fault == BidFault.HoldWriteFailsStored) world.Store(w);
                return Task.FromException(new IOException("the hold's write failed"));
            }
            if (_writes == 2 && fault == BidFault.CrashBeforeCapture)
                return Task.FromException(new IOException("the wallet died before its capture was stored"));
            world.Store(w);
            return Task.CompletedTask;
        }

        public void SaveSoon() => world.Store(w);
        public void ResolveHoldsLater() { }
        public Task<Receipt?> FindArchivedReceipt(string key, DateTimeOffset? appliedFrom) => Task.FromResult<Receipt?>(null);
        public void Deferred(string what, Exception error) { }
    }

    /// <summary>A job of this world for one freelancer's bids, failing as the attempt's fault says.</summary>
    private sealed class BoostJobOf(BoostWorld world, int j, string freelancerId, BidFault fault) : IBoostJob
    {
        private bool _faulted;
        public string JobId => BoostWorld.JobId(j);

        public Task<BidResult> QuoteBid(int bid, bool proposalRequired)
        {
            var quote = world.Auction(j).Quote(freelancerId, bid, world.Now, proposalRequired);
            if (proposalRequired || quote.Outcome != BidOutcome.Placed) return Task.FromResult(quote);
            var job = world.Job(j);
            var price = job.FindProposal(freelancerId) is not null || job.IsInvited(freelancerId) ? 0 : world._price[j];
            return Task.FromResult(quote with { ProposalPrice = price });
        }

        public Task<BidResult> PlaceBid(int bid, Hold? hold)
        {
            var now = world.Now;
            BidResult Place() => world.Auction(j).Place(freelancerId, bid, hold?.HoldId ?? "", hold?.Slices ?? [], now);
            if (hold is null || _faulted) return Task.FromResult(Place());
            _faulted = true;
            switch (fault)
            {
                case BidFault.PlaceFails:
                    return Task.FromException<BidResult>(new TimeoutException("the placement never reached the job"));
                case BidFault.PlaceLost:
                    Place();
                    return Task.FromException<BidResult>(new TimeoutException("the placement's answer was lost"));
                case BidFault.PlaceLate:
                    world._late.Add(() =>
                    {
                        if (Place().Outcome == BidOutcome.HoldAborted) world._observe("place-late-refused");
                    });
                    return Task.FromException<BidResult>(new TimeoutException("the placement is on its way"));
                default:
                    return Task.FromResult(Place());
            }
        }

        public Task<BidResult> ResolveBid(string holdId) => Task.FromResult(world.Auction(j).Resolve(freelancerId, holdId).Answer);
    }

    /// <summary>A job of this world for one freelancer's proposal (no faults here: the proposal protocol has its own).</summary>
    private sealed class ProposalJobOf(BoostWorld world, int j, string freelancerId) : IProposalJob
    {
        private Job Job => world.Job(j);
        public string JobId => BoostWorld.JobId(j);

        public Task<JobQuote> Quote() => Task.FromResult(new JobQuote(true, Job.State.Status,
            new ConnectPrice(world._price[j], world._price[j], 0, 0m, 1.0, 0, world._price[j], 2, 16), Job.FindProposal(freelancerId), Job.IsInvited(freelancerId)));

        public Task<RecordResult> Record(Hold hold) => Task.FromResult(Job.Record(freelancerId, hold.HoldId, hold.Slices, world._price[j], world.Now));

        public Task<Proposal?> ResolveHold(string holdId)
        {
            var (recorded, _) = Job.ResolveHold(freelancerId, holdId);
            if (recorded is not null) Job.Vouch(freelancerId, holdId);
            return Task.FromResult(recorded);
        }

        public void Vouch(string holdId) => Job.Vouch(freelancerId, holdId);
        public Task<AbandonOutcome> Abandon(string holdId) => Task.FromResult(Job.Abandon(freelancerId, holdId));
    }
}
