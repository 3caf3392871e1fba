using Connects.Contracts;
using System.Text;
using Connects.Domain;
using CsCheck;
using Xunit.Abstractions;

namespace Connects.Tests.Properties;

/// <summary>
/// Model-based random tests of the pure domain (no Orleans): a world of wallets and jobs driven by
/// generated operation sequences over up to three simulated years, the invariants of docs/design.md
/// checked after every step. Each sequence runs in two worlds: a lazy one (a wallet is brought up to
/// date only when touched) and an eager one (every wallet is advanced and archived after every step,
/// as reminders and the grain's save would); both must keep the same ledgers.
/// A failure names the CsCheck seed (re-run with CsCheck_Seed=...), the step and the operation.
/// </summary>
public sealed class DomainPropertyTests(ITestOutputHelper output)
{
    private const int Sequences = 250;

    [Fact]
    public void Random_sequences_keep_every_ledger_invariant_and_a_lazy_wallet_equals_an_eager_one()
    {
        long steps = 0;
        var started = DateTime.UtcNow;
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        DomainWorld.Sequences(100, 300, lateWithdraw: false).Sample(sequence =>
        {
            DomainWorld.Run(sequence, lateWithdraw: false, outcome => outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1));
            Interlocked.Add(ref steps, sequence.Ops.Length);
        }, iter: Sequences, print: DomainWorld.Print, writeLine: output.WriteLine);
        output.WriteLine($"{steps} steps in {Sequences} sequences, {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        Assert.True(steps >= 10_000, $"only {steps} steps were generated");
    }

    /// <summary>
    /// The refund rule (docs/design.md): "All applicants are refunded when the client cancels the job without hiring, or the
    /// marketplace removes it." A refund becomes owed at the cancellation; the delivery can be cut short
    /// (a crash between wallets) and is finished later. Here proposals may also be withdrawn or declined
    /// after the cancellation, while a delivery is pending.
    /// </summary>
    [Fact]
    public void A_withdrawal_after_the_job_was_cancelled_never_loses_the_refund_owed()
    {
        var failures = new List<string>();
        // Short sequences, many of them, on two wallets and two job slots: a failure shrinks to few steps.
        try
        {
            DomainWorld.Sequences(2, 40, lateWithdraw: true, wallets: 2, jobs: 2).Sample(sequence => DomainWorld.Run(sequence, lateWithdraw: true),
                iter: 20_000, print: DomainWorld.Print, writeLine: output.WriteLine);
        }
        catch (Exception ex)
        {
            failures.Add("random: " + ex.Message + Environment.NewLine + ex.InnerException?.Message);
        }
        // The smallest case, pinned: the delivery stops before f0's refund (a crash, or the delivery has simply
        // not reached it yet), f0 withdraws from the cancelled job, the delivery resumes and finds nothing owed.
        try
        {
            DomainWorld.Run(new DomainSequence([new JobTerms(400m, BudgetType.Fixed, ProjectDuration.OneToFourWeeks)],
            [
                new OpenOp(0, Plan.Plus),
                new SubmitOp(0, 0, 10, -1),
                new CancelOp(0, CancelReason.ClientCancelled, CrashAt: 0, AfterWallet: false),
                new WithdrawOp(0, 0),
                new DeliverOp(0),
            ]), lateWithdraw: true);
        }
        catch (PropertyViolation ex)
        {
            failures.Add("pinned: " + ex.Message);
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

internal abstract record DomainOp;
internal sealed record OpenOp(int W, Plan Plan) : DomainOp;
internal sealed record PurchaseOp(int W, int Ref, int Bundle) : DomainOp;
internal sealed record GrantOp(int W, int Id, int Amount, int? ExpiresInHours) : DomainOp;
/// <summary>Submit: the price shown comes from <see cref="ShownApps"/> applications in the window, the price
/// the job records from <see cref="RecordApps"/> (-1: the same demand), so the price can move in between.</summary>
internal sealed record SubmitOp(int W, int J, int ShownApps, int RecordApps) : DomainOp;
internal sealed record WithdrawOp(int W, int J) : DomainOp;
internal sealed record DeclineOp(int W, int J) : DomainOp;
internal sealed record HireOp(int W, int J) : DomainOp;
/// <summary>Cancel and deliver the refunds; <see cref="CrashAt"/> (when not -1) cuts the delivery short at that
/// refund, before the wallet applied it or (<see cref="AfterWallet"/>) after, before the job marked it.</summary>
internal sealed record CancelOp(int J, CancelReason Reason, int CrashAt, bool AfterWallet) : DomainOp;
/// <summary>Delivers the refunds of the K-th job (mod count) whose delivery was cut short, like the job's reminder.</summary>
internal sealed record DeliverOp(int K) : DomainOp;
internal sealed record PlanOp(int W, Plan Plan) : DomainOp;
/// <summary>Changes an open job's terms, or posts a new job in the slot when its job is closed.</summary>
internal sealed record PostOp(int J, int Terms) : DomainOp;
internal sealed record AdvanceOp(int Minutes) : DomainOp;

internal sealed record DomainSequence(JobTerms[] Terms, DomainOp[] Ops);

internal sealed class PropertyViolation(string message, Exception? inner = null) : Exception(message, inner);

internal sealed class ModelProposal
{
    public ProposalStatus Status = ProposalStatus.Active;
    public int Charged;
    public bool Owed;
    public bool Applied;
    public bool Marked;
}

internal sealed class JobRecord(string id, string category, JobTerms terms, DateTimeOffset now)
{
    public string Id { get; } = id;
    public string Category { get; } = category;
    public Job Job { get; } = Posted(id, category, terms, now);
    public JobStatus Status = JobStatus.Open;
    public int? Hired;
    public bool DeliveryIncomplete;
    public Dictionary<int, ModelProposal> Proposals { get; } = [];

    private static Job Posted(string id, string category, JobTerms terms, DateTimeOffset now)
    {
        var job = new Job(new JobState());
        if (job.Post(id, "client-1", terms, category, now) != PostOutcome.Created) throw new PropertyViolation("a new job was not created");
        return job;
    }
}

/// <summary>One world: wallets, jobs, a clock and an independent model of the proposals.</summary>
internal sealed class DomainWorld
{
    public const int WalletCount = 4;
    public const int JobSlots = 6;
    public static readonly DateTimeOffset Start = new(2027, 1, 31, 9, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Horizon = Start.AddYears(3);
    /// <summary>The idempotency window covers the horizon: a lazy wallet (every receipt in its state) and an eager one (closed
    /// cycles' receipts in books per year) must then answer every retry alike. The window's own bound: ReceiptBookTests.</summary>
    private static readonly WalletRules WalletRules = new() { IdempotencyWindowMonths = 40 };
    private static readonly PricingRules Pricing = new();
    private static readonly string[] Categories = ["design", "dev"];

    private readonly bool _eager;
    private readonly bool _lateWithdraw;
    public DateTimeOffset Now { get; private set; } = Start;
    public Wallet[] Wallets { get; } = [.. Enumerable.Range(0, WalletCount).Select(_ => new Wallet(new WalletState(), WalletRules))];
    /// <summary>Eager world: closed cycles moved out of the wallet, as the grain writes them to statements.</summary>
    private readonly Dictionary<int, List<LedgerEntry>>[] _statements = [.. Enumerable.Range(0, WalletCount).Select(_ => new Dictionary<int, List<LedgerEntry>>())];
    /// <summary>Eager world: closed cycles' receipts by year of cycles, as the grain writes them to receipt books.</summary>
    private readonly Dictionary<int, Dictionary<string, Receipt>>[] _receiptBooks = [.. Enumerable.Range(0, WalletCount).Select(_ => new Dictionary<int, Dictionary<string, Receipt>>())];
    private readonly JobRecord[] _slots;
    private readonly int[] _generation = new int[JobSlots];
    private readonly JobTerms[] _terms;
    public List<JobRecord> Jobs { get; } = [];
    public HashSet<int> Touched { get; } = [];

    private DomainWorld(JobTerms[] terms, bool eager, bool lateWithdraw)
    {
        _terms = terms;
        _eager = eager;
        _lateWithdraw = lateWithdraw;
        _slots = new JobRecord[JobSlots];
        for (var j = 0; j < JobSlots; j++) _slots[j] = NewJob(j, terms[j % terms.Length]);
    }

    public static string Fid(int w) => "f" + w;

    // ------------------------------------------------------------------ generators

    /// <summary>Sequences of operations on the first <paramref name="wallets"/> wallets and <paramref name="jobs"/> job slots.
    /// The operations come first in the generator so that shrinking works on them.</summary>
    public static Gen<DomainSequence> Sequences(int minSteps, int maxSteps, bool lateWithdraw, int wallets = WalletCount, int jobs = JobSlots) =>
        Gen.Select(
            Gen.Int[8, 45].SelectMany(advanceWeight => Op(advanceWeight, lateWithdraw, wallets, jobs).Array[minSteps, maxSteps]),
            GenTerms.Array[8],
            (ops, terms) => new DomainSequence(terms, ops));

    private static readonly Gen<JobTerms> GenTerms =
        Gen.Select(Gen.Bool, Gen.OneOf(20m, 150m, 400m, 1_200m, 6_000m, 50_000m), Gen.OneOf(5m, 15m, 40m, 120m), Gen.Enum<ProjectDuration>(),
            (hourly, budget, rate, duration) => hourly
                ? new JobTerms(rate, BudgetType.Hourly, duration)
                : new JobTerms(budget, BudgetType.Fixed, duration));

    private static Gen<DomainOp> Op(int advanceWeight, bool lateWithdraw, int wallets, int jobs)
    {
        var w = Gen.Int[0, wallets - 1];
        var j = Gen.Int[0, jobs - 1];
        var plan = Gen.OneOf(Plan.Basic, Plan.Plus);
        var bundle = Gen.Frequency((12, Gen.OneOf(10, 20, 40, 60, 80)), (1, Gen.OneOf(0, 15, 100)));
        var grantAmount = Gen.Frequency((12, Gen.Int[1, 120]), (1, Gen.OneOf(0, 10_001)));
        var grantExpiry = Gen.Frequency((3, Gen.Const((int?)null)), (6, Gen.Int[1, 9_000].Select(h => (int?)h)), (1, Gen.Const<int?>(0)));
        var apps = Gen.Int[0, 60];
        var recordApps = Gen.Frequency((6, Gen.Const(-1)), (3, apps));
        var crashAt = lateWithdraw ? Gen.Frequency((1, Gen.Const(-1)), (2, Gen.Int[0, 1])) : Gen.Frequency((5, Gen.Const(-1)), (2, Gen.Int[0, 3]));
        var minutes = Gen.Frequency((2, Gen.Int[1, 180]), (2, Gen.Int[60, 72 * 60]), (4, Gen.Int[1, 40].Select(d => d * 24 * 60)));
        return Gen.Frequency<DomainOp>(
            (6, Gen.Select(w, plan, (a, b) => (DomainOp)new OpenOp(a, b))),
            (8, Gen.Select(w, Gen.Int[0, 12], bundle, (a, b, c) => (DomainOp)new PurchaseOp(a, b, c))),
            (5, Gen.Select(w, Gen.Int[0, 12], grantAmount, grantExpiry, (a, b, c, d) => (DomainOp)new GrantOp(a, b, c, d))),
            (30, Gen.Select(w, j, apps, recordApps, (a, b, c, d) => (DomainOp)new SubmitOp(a, b, c, d))),
            (lateWithdraw ? 8 : 4, Gen.Select(w, j, (a, b) => (DomainOp)new WithdrawOp(a, b))),
            (lateWithdraw ? 6 : 3, Gen.Select(w, j, (a, b) => (DomainOp)new DeclineOp(a, b))),
            (4, Gen.Select(w, j, (a, b) => (DomainOp)new HireOp(a, b))),
            (lateWithdraw ? 8 : 4, Gen.Select(j, Gen.Enum<CancelReason>(), crashAt, Gen.Bool, (a, b, c, d) => (DomainOp)new CancelOp(a, b, c, d))),
            (lateWithdraw ? 6 : 2, Gen.Int[0, 5].Select(k => (DomainOp)new DeliverOp(k))),
            (4, Gen.Select(w, plan, (a, b) => (DomainOp)new PlanOp(a, b))),
            (6, Gen.Select(j, Gen.Int[0, 7], (a, b) => (DomainOp)new PostOp(a, b))),
            (advanceWeight, minutes.Select(m => (DomainOp)new AdvanceOp(m))));
    }

    public static string Print(DomainSequence sequence)
    {
        var text = new StringBuilder();
        text.AppendLine($"{sequence.Ops.Length} operations; terms: {string.Join(", ", sequence.Terms.Select((t, i) => $"[{i}] {t}"))}");
        for (var i = 0; i < sequence.Ops.Length; i++) text.AppendLine($"  {i}: {sequence.Ops[i]}");
        return text.ToString();
    }

    // ------------------------------------------------------------------ running a sequence

    public static void Run(DomainSequence sequence, bool lateWithdraw, Action<string>? observe = null)
    {
        var lazy = new DomainWorld(sequence.Terms, eager: false, lateWithdraw);
        var eager = new DomainWorld(sequence.Terms, eager: true, lateWithdraw);
        for (var i = 0; i < sequence.Ops.Length; i++)
        {
            var op = sequence.Ops[i];
            try
            {
                var a = lazy.Step(op);
                var b = eager.Step(op);
                if (a != b) throw new PropertyViolation($"the lazy world answered '{a}', the eager one '{b}'");
                observe?.Invoke(a);
                lazy.CheckInvariants();
                eager.CheckInvariants();
                CompareWorlds(lazy, eager, final: false);
            }
            catch (Exception ex)
            {
                throw new PropertyViolation($"step {i} of {sequence.Ops.Length} ({op}) at {lazy.Now:u}: {ex.Message}", ex);
            }
        }
        try
        {
            for (var w = 0; w < WalletCount; w++)
                if (lazy.Wallets[w].State.IsOpen) lazy.Wallets[w].Advance(lazy.Now);
            lazy.CheckInvariants();
            CompareWorlds(lazy, eager, final: true);
            if (observe is not null)
                for (var w = 0; w < WalletCount; w++)
                    foreach (var e in lazy.Entries(w))
                        observe("entry:" + (e.Kind == LedgerKind.Expiry ? e.Reference : e.Kind.ToString()));
        }
        catch (Exception ex)
        {
            throw new PropertyViolation($"after the last step at {lazy.Now:u}: {ex.Message}", ex);
        }
    }

    public string Step(DomainOp op)
    {
        Touched.Clear();
        var outcome = Apply(op);
        if (_eager)
        {
            for (var w = 0; w < WalletCount; w++)
            {
                if (!Wallets[w].State.IsOpen) continue;
                Wallets[w].Advance(Now);
                Archive(w);
            }
        }
        return outcome;
    }

    private string Apply(DomainOp op)
    {
        switch (op)
        {
            case OpenOp o:
            {
                if (Ready(o.W) is not null) return "already-open";
                var wallet = Wallets[o.W];
                Touched.Add(o.W);
                wallet.Open(Fid(o.W), o.Plan, Now);
                Require(wallet.Balance == WalletRules.MonthlyConnects(o.Plan), "opening grants the plan's allotment");
                return "opened";
            }
            case PurchaseOp p:
            {
                if (Ready(p.W) is not { } wallet) return "no-wallet";
                var reference = $"pay-{p.W}-{p.Ref}";
                if (FindReceipt(p.W, ReceiptKeys.Purchase(reference)) is { } previous)
                    return previous.Purchase!.Connects == p.Bundle ? "purchase-repeated" : "reference-reused";
                if (!WalletRules.Bundles.Contains(p.Bundle))
                {
                    Refused(wallet, Refusals.InvalidBundle, () => wallet.Purchase(reference, p.Bundle, Now));
                    return "invalid-bundle";
                }
                var before = wallet.Balance;
                var receipt = wallet.Purchase(reference, p.Bundle, Now);
                Require(wallet.Balance == before + p.Bundle, "a purchase adds its bundle");
                Require(receipt.ExpiresAt == Now.AddMonths(12) && receipt.PriceUsd == p.Bundle * 0.15m, $"purchase receipt {receipt}");
                return "purchased";
            }
            case GrantOp g:
            {
                if (Ready(g.W) is not { } wallet) return "no-wallet";
                var grantId = $"grant-{g.W}-{g.Id}";
                if (FindReceipt(g.W, ReceiptKeys.Grant(grantId)) is not null) return "grant-repeated";
                DateTimeOffset? expiresAt = g.ExpiresInHours is { } h ? Now.AddHours(h) : null;
                if (g.Amount < 1 || g.Amount > WalletRules.MaxGrantAmount)
                {
                    Refused(wallet, Refusals.InvalidAmount, () => wallet.Grant(grantId, g.Amount, "property", expiresAt, Now));
                    return "invalid-amount";
                }
                if (expiresAt <= Now)
                {
                    Refused(wallet, Refusals.InvalidExpiry, () => wallet.Grant(grantId, g.Amount, "property", expiresAt, Now));
                    return "invalid-expiry";
                }
                var before = wallet.Balance;
                wallet.Grant(grantId, g.Amount, "property", expiresAt, Now);
                Require(wallet.Balance == before + g.Amount, "a grant adds its amount");
                return "granted";
            }
            case SubmitOp s:
                return Submit(s);
            case WithdrawOp x:
                return Transition(x.W, x.J, ProposalStatus.Withdrawn);
            case DeclineOp x:
                return Transition(x.W, x.J, ProposalStatus.Declined);
            case HireOp h:
                return Hire(h);
            case CancelOp c:
                return Cancel(c);
            case DeliverOp d:
            {
                var pending = Jobs.Where(j => j.DeliveryIncomplete).ToList();
                if (pending.Count == 0) return "nothing-pending";
                Deliver(pending[d.K % pending.Count], crashAt: -1, afterWallet: false);
                return "delivered";
            }
            case PlanOp p:
            {
                if (Ready(p.W) is not { } wallet) return "no-wallet";
                var was = wallet.State.Plan;
                wallet.ChangePlan(p.Plan, Now);
                var expected = p.Plan == Plan.Plus ? (Plan.Plus, (Plan?)null) : (was, was == Plan.Plus ? Plan.Basic : (Plan?)null);
                Require((wallet.State.Plan, wallet.State.NextPlan) == expected,
                    $"plan change to {p.Plan} from {was}: now {wallet.State.Plan}, next {wallet.State.NextPlan}");
                return "plan-" + p.Plan;
            }
            case PostOp p:
            {
                var current = _slots[p.J];
                var terms = _terms[p.Terms % _terms.Length];
                if (current.Status == JobStatus.Open)
                {
                    var same = current.Job.State.Terms == terms;
                    var outcome = current.Job.Post(current.Id, "client-1", terms, current.Category, Now);
                    Require(outcome == (same ? PostOutcome.Unchanged : PostOutcome.Updated), $"posting terms to an open job answered {outcome}");
                    Require(current.Job.State.Terms == terms, "the open job has the new terms");
                    return "terms-" + outcome;
                }
                _slots[p.J] = NewJob(p.J, terms);
                return "posted";
            }
            case AdvanceOp a:
            {
                var next = Now.AddMinutes(a.Minutes);
                Now = next > Horizon ? Horizon : next;
                return "advanced";
            }
            default:
                throw new PropertyViolation($"unknown operation {op}");
        }
    }

    private JobRecord NewJob(int slot, JobTerms terms)
    {
        var record = new JobRecord($"job-{slot}-{_generation[slot]++}", Categories[slot % Categories.Length], terms, Now);
        Jobs.Add(record);
        return record;
    }

    /// <summary>The wallet, brought up to now, or null if it is not open (the grain refuses: wallet not found).</summary>
    private Wallet? Ready(int w)
    {
        var wallet = Wallets[w];
        if (!wallet.State.IsOpen) return null;
        Touched.Add(w);
        wallet.Advance(Now);
        return wallet;
    }

    /// <summary>The wallet grain's lookup: the wallet's receipts, else the books the wallet names for it, newest first.</summary>
    public Receipt? FindArchived(int w, string key, DateTimeOffset? appliedFrom)
    {
        foreach (var year in Wallets[w].ReceiptBooksToRead(appliedFrom))
            if (_receiptBooks[w].GetValueOrDefault(year)?.GetValueOrDefault(key) is { } archived) return archived;
        return null;
    }

    /// <summary>The wallet's receipts, else <see cref="FindArchived"/>.</summary>
    public Receipt? FindReceipt(int w, string key, DateTimeOffset? appliedFrom = null) =>
        Wallets[w].TryFindReceipt(key, out var receipt) ? receipt : FindArchived(w, key, appliedFrom);

    /// <summary>The job's price with no applications in the window.</summary>
    public ConnectPrice PriceNow(JobRecord job) => Price(job, 0);

    private ConnectPrice Price(JobRecord job, int applications)
    {
        var openJobs = _slots.Count(j => j.Category == job.Category && j.Status == JobStatus.Open);
        var price = ConnectPricing.Quote(job.Job.State.Terms, new CategoryDemand(applications, openJobs, Now), Pricing);
        Require(price.Connects >= Pricing.MinConnects && price.Connects <= Pricing.MaxConnects, $"price {price.Connects} is outside the configured range");
        return price;
    }

    /// <summary>The real proposal protocol (<see cref="ProposalProtocol"/>) over wallet <paramref name="w"/>, with this
    /// world's jobs and receipt books; every write lands (the fault-injecting runs are <see cref="ProtocolPropertyTests"/>).</summary>
    private ProposalProtocol Protocol(int w, Func<string, IProposalJob>? jobs = null) =>
        new(Wallets[w], new WorldActivation(this, w), jobs ?? (id => new WorldJob(this, Jobs.Single(j => j.Id == id), Fid(w), null, null)));

    /// <summary>A submission through the real protocol: the job quotes <see cref="SubmitOp.ShownApps"/>'s price and records at
    /// <see cref="SubmitOp.RecordApps"/>'s, so the price can move between the quote and the record.</summary>
    private string Submit(SubmitOp s)
    {
        if (Ready(s.W) is not { } wallet) return "no-wallet";
        var job = _slots[s.J];
        var fid = Fid(s.W);
        var known = job.Proposals.GetValueOrDefault(s.W);
        Require((job.Job.FindProposal(fid) is not null) == (known is not null), "the job and the model disagree on a proposal");

        var shown = Price(job, s.ShownApps);
        var current = s.RecordApps < 0 ? shown : Price(job, s.RecordApps);
        var (balance, available) = (wallet.Balance, wallet.Available);
        var counterpart = new WorldJob(this, job, fid, shown, current);
        var result = Protocol(s.W, _ => counterpart).Submit(job.Id, shown.Connects).GetAwaiter().GetResult();
        Require(wallet.Held == 0, "a submission left a hold");

        var expected = known is not null ? SubmissionOutcome.AlreadySubmitted
            : job.Status != JobStatus.Open ? SubmissionOutcome.JobNotOpen
            : available < shown.Connects ? SubmissionOutcome.InsufficientConnects
            : current.Connects > shown.Connects ? SubmissionOutcome.PriceChanged
            : SubmissionOutcome.Submitted;
        Require(result.Outcome == expected, $"the submission answered {result.Outcome}, expected {expected}");
        switch (result.Outcome)
        {
            case SubmissionOutcome.Submitted:
                var proposal = job.Job.FindProposal(fid)!;
                Require(proposal.ConnectsCharged == current.Connects && result.ConnectsCharged == current.Connects && !proposal.AwaitingWallet,
                    $"charged {proposal.ConnectsCharged} (answered {result.ConnectsCharged}, vouched: {!proposal.AwaitingWallet}); shown {shown.Connects}, current {current.Connects}");
                Require(wallet.Balance == balance - current.Connects && wallet.Available == available - current.Connects && result.Balance == wallet.Balance,
                    "a capture spends exactly the price charged");
                Require(counterpart.Held is { } held && held.Amount == shown.Connects, "the hold covers the price shown");
                job.Proposals[s.W] = new ModelProposal { Charged = current.Connects };
                return "submitted";
            case SubmissionOutcome.AlreadySubmitted:
                Require(result.ConnectsCharged == known!.Charged, $"a repeated submission answered {result.ConnectsCharged}, charged {known.Charged}");
                break;
            case SubmissionOutcome.InsufficientConnects:
                Require(result.ConnectsRequired == shown.Connects && result.Available == available, $"insufficient: {result}");
                break;
            case SubmissionOutcome.PriceChanged:
                Require(result.ConnectsRequired == current.Connects, $"the price moved to {current.Connects}, answered {result.ConnectsRequired}");
                break;
        }
        Require(wallet.Balance == balance && wallet.Available == available, $"a submission answered {result.Outcome} and changed the wallet");
        return "refused-" + result.Outcome;
    }

    /// <summary>Spending takes the Connects that expire soonest first: nothing left expires before what was held.</summary>
    public static void RequireSoonestFirst(Wallet wallet, Hold hold)
    {
        var latestHeld = hold.Slices.Select(s => s.ExpiresAt).Aggregate((a, b) => Slices.CompareExpiry(a, b) >= 0 ? a : b);
        foreach (var bucket in wallet.State.Buckets.Where(b => b.Amount > 0))
            Require(Slices.CompareExpiry(bucket.ExpiresAt, latestHeld) >= 0,
                $"a hold took Connects expiring {latestHeld:u} while {bucket.Amount} expiring {bucket.ExpiresAt:u} were left");
    }

    private string Transition(int w, int j, ProposalStatus to)
    {
        var job = _slots[j];
        var fid = Fid(w);
        var model = job.Proposals.GetValueOrDefault(w);
        Proposal Change() => to == ProposalStatus.Withdrawn ? job.Job.Withdraw(fid) : job.Job.Decline(fid);
        var allowed = model is not null && (model.Status == ProposalStatus.Active || model.Status == to);
        if (job.Status is JobStatus.Cancelled or JobStatus.Removed && model is not null && model.Status != to)
        {
            // Once a job is cancelled or removed its proposals are settled by refunds: the job refuses to change them.
            RefusedJob(job, Refusals.JobNotOpen, () => Change());
            return "refused-closed";
        }
        if (!allowed)
        {
            var rule = model is null ? Refusals.ProposalNotFound : Refusals.ProposalNotActive;
            RefusedJob(job, rule, () => Change());
            return "refused-" + rule;
        }
        var proposal = Change();
        Require(proposal.Status == to, $"the proposal is {proposal.Status}, expected {to}");
        model!.Status = to;
        return to.ToString();
    }

    private string Hire(HireOp h)
    {
        var job = _slots[h.J];
        var fid = Fid(h.W);
        var model = job.Proposals.GetValueOrDefault(h.W);
        var repeat = model is not null && job.Status == JobStatus.Filled && job.Hired == h.W;
        var allowed = repeat || (model is not null && job.Status == JobStatus.Open && model.Status == ProposalStatus.Active);
        if (!allowed)
        {
            var rule = model is null ? Refusals.ProposalNotFound : job.Status != JobStatus.Open ? Refusals.JobNotOpen : Refusals.ProposalNotActive;
            RefusedJob(job, rule, () => job.Job.Hire(fid, Now));
            return "refused-" + rule;
        }
        var proposal = job.Job.Hire(fid, Now);
        Require(proposal.Status == ProposalStatus.Hired && job.Job.State.Status == JobStatus.Filled && job.Job.State.HiredFreelancerId == fid, "hired");
        model!.Status = ProposalStatus.Hired;
        job.Status = JobStatus.Filled;
        job.Hired = h.W;
        return repeat ? "hire-repeated" : "hired";
    }

    private string Cancel(CancelOp c)
    {
        var job = _slots[c.J];
        if (job.Status is JobStatus.Cancelled or JobStatus.Removed)
        {
            Require(!job.Job.Cancel(c.Reason, Now), "cancelling a cancelled job changed it");
            return "cancel-repeated";
        }
        if (c.Reason == CancelReason.ClientCancelled && job.Status != JobStatus.Open)
        {
            RefusedJob(job, Refusals.JobNotOpen, () => job.Job.Cancel(c.Reason, Now));
            return "refused-" + Refusals.JobNotOpen;
        }
        Require(job.Job.Cancel(c.Reason, Now), "the cancel did not change the job");
        job.Status = c.Reason == CancelReason.ClientCancelled ? JobStatus.Cancelled : JobStatus.Removed;
        foreach (var proposal in job.Proposals.Values.Where(p => p.Status != ProposalStatus.Withdrawn)) proposal.Owed = true;
        Deliver(job, c.CrashAt, c.AfterWallet);
        return "cancelled-" + job.Status;
    }

    /// <summary>What the cancellation grain does: for each refund owed, the wallet applies it once (by its receipt)
    /// and then the job marks it; a crash can cut this short anywhere.</summary>
    private void Deliver(JobRecord job, int crashAt, bool afterWallet)
    {
        var owed = job.Job.RefundsOwed();
        job.DeliveryIncomplete = true;
        for (var i = 0; i < owed.Count; i++)
        {
            var refund = owed[i];
            var w = int.Parse(refund.FreelancerId[1..]);
            var model = job.Proposals[w];
            Require(model.Owed && !model.Marked && refund.Amount == model.Charged && refund.JobId == job.Id,
                $"the job owes {refund.FreelancerId} {refund.Amount}; the model says owed={model.Owed}, marked={model.Marked}, charged {model.Charged}");
            if (i == crashAt && !afterWallet) return;
            var wallet = Ready(w) ?? throw new PropertyViolation($"refund owed to {refund.FreelancerId}, whose wallet is not open");
            var before = wallet.Balance;
            var made = Protocol(w).Refund(refund, FindReceipt(w, ReceiptKeys.Refund(refund.JobId), refund.CancelledAt)).GetAwaiter().GetResult();
            if (made.Outcome == RefundOutcome.Refunded)
            {
                Require(!model.Applied, $"{refund.FreelancerId} is refunded a second time for {job.Id}");
                var surviving = refund.Slices.Where(s => s.ExpiresAt is null || s.ExpiresAt > Now).Sum(s => s.Amount);
                var entry = wallet.State.Entries.Last(e => e.Kind == LedgerKind.Refund);
                Require(entry.Amount == model.Charged && entry.Reference == ReceiptKeys.Paid(job.Id) && wallet.Balance == before + surviving,
                    $"refund of {entry.Amount} (charged {model.Charged}) moved the balance {before} -> {wallet.Balance}, expected +{surviving}");
                model.Applied = true;
            }
            else Require(made.Outcome == RefundOutcome.AlreadyRefunded && model.Applied && wallet.Balance == before,
                $"{refund.FreelancerId}'s refund for {job.Id} answered {made.Outcome}; applied before: {model.Applied}");
            if (i == crashAt) return;
            Require(job.Job.MarkRefunded(refund.FreelancerId, Now), "marking a refund changed nothing");
            model.Marked = true;
            model.Status = ProposalStatus.Refunded;
        }
        job.DeliveryIncomplete = false;
    }

    /// <summary>The eager world's save: closed cycles go to statements (written once), their receipts to the book.</summary>
    private void Archive(int w)
    {
        var wallet = Wallets[w];
        foreach (var cycle in wallet.EntriesToArchive().GroupBy(e => e.Cycle))
        {
            var entries = cycle.ToList();
            if (_statements[w].TryGetValue(cycle.Key, out var written))
                Require(written.SequenceEqual(entries), $"the statement of cycle {cycle.Key} would be rewritten with other entries");
            _statements[w][cycle.Key] = entries;
        }
        foreach (var receipt in wallet.ReceiptsToArchive())
        {
            var year = ReceiptBooks.YearOf(receipt.Cycle);
            if (!_receiptBooks[w].TryGetValue(year, out var book)) _receiptBooks[w][year] = book = [];
            book.TryAdd(receipt.Key, receipt);
        }
        wallet.ForgetArchived();
    }

    /// <summary>Every entry of the wallet's life: statements (eager world) and the entries still in the state.</summary>
    public List<LedgerEntry> Entries(int w) =>
        [.. _statements[w].OrderBy(s => s.Key).SelectMany(s => s.Value).Concat(Wallets[w].State.Entries)];

    private static void Refused(Wallet wallet, string rule, Action action)
    {
        var (balance, count) = (wallet.Balance, wallet.State.NextSequence);
        try
        {
            action();
        }
        catch (ConnectsRuleException ex) when (ex.Rule == rule)
        {
            Require(wallet.Balance == balance && wallet.State.NextSequence == count, $"a refused operation ({rule}) changed the wallet");
            return;
        }
        throw new PropertyViolation($"expected the rules to refuse with {rule}");
    }

    private static void RefusedJob(JobRecord job, string rule, Action action)
    {
        var (status, proposals) = (job.Job.State.Status, string.Join(",", job.Job.State.Proposals.Values.Select(p => p.Status)));
        try
        {
            action();
        }
        catch (ConnectsRuleException ex) when (ex.Rule == rule)
        {
            Require(job.Job.State.Status == status && string.Join(",", job.Job.State.Proposals.Values.Select(p => p.Status)) == proposals,
                $"a refused operation ({rule}) changed the job");
            return;
        }
        throw new PropertyViolation($"expected the job to refuse with {rule}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new PropertyViolation(message);
    }

    // ------------------------------------------------------------------ invariants

    public void CheckInvariants()
    {
        var byWallet = new Dictionary<string, LedgerEntry>[WalletCount];
        var spends = new Dictionary<(int W, string Reference), List<LedgerEntry>>();
        var refunds = new Dictionary<(int W, string Reference), List<LedgerEntry>>();
        for (var w = 0; w < WalletCount; w++)
        {
            byWallet[w] = [];
            var wallet = Wallets[w];
            if (!wallet.State.IsOpen)
            {
                Require(wallet.State.Entries.Count == 0 && wallet.Balance == 0, $"{Fid(w)} is not open but has a ledger");
                continue;
            }
            var entries = Entries(w);
            CheckLedger(w, wallet, entries);
            foreach (var e in entries)
            {
                var map = e.Kind == LedgerKind.Spend ? spends : e.Kind == LedgerKind.Refund ? refunds : null;
                if (map is null) continue;
                if (!map.TryGetValue((w, e.Reference), out var list)) map[(w, e.Reference)] = list = [];
                list.Add(e);
            }
        }

        var jobsById = Jobs.ToDictionary(j => j.Id);
        foreach (var job in Jobs)
        {
            var state = job.Job.State;
            Require(state.Status == job.Status, $"{job.Id} is {state.Status}, the model says {job.Status}");
            Require(state.HiredFreelancerId == (job.Hired is { } h ? Fid(h) : null), $"{job.Id} hired {state.HiredFreelancerId}, the model says {job.Hired}");
            Require(state.Proposals.Count == job.Proposals.Count, $"{job.Id} has {state.Proposals.Count} proposals, the model {job.Proposals.Count}");
            Require(state.Proposals.Values.Count(p => p.Status == ProposalStatus.Hired) == (job.Status == JobStatus.Filled ? 1 : 0)
                    || job.Status == JobStatus.Removed, $"{job.Id} ({job.Status}) has a wrong number of hired proposals");
            var reference = "proposal:" + job.Id;
            foreach (var (w, model) in job.Proposals)
            {
                var proposal = job.Job.FindProposal(Fid(w)) ?? throw new PropertyViolation($"{job.Id} lost the proposal of {Fid(w)}");
                Require(proposal.Status == model.Status && proposal.ConnectsCharged == model.Charged,
                    $"{job.Id}/{Fid(w)} is {proposal.Status} charged {proposal.ConnectsCharged}; the model says {model.Status} charged {model.Charged}");
                var spent = spends.GetValueOrDefault((w, reference)) ?? [];
                Require(spent.Count == 1 && spent[0].Amount == -model.Charged,
                    $"{Fid(w)} has {spent.Count} spend entries for {job.Id} ({string.Join(", ", spent.Select(e => e.Amount))}), expected one of {-model.Charged}");
                var refunded = refunds.GetValueOrDefault((w, reference)) ?? [];
                Require(refunded.Count == (model.Applied ? 1 : 0) && refunded.All(e => e.Amount == model.Charged),
                    $"{Fid(w)} has {refunded.Count} refund entries for {job.Id} ({proposal.Status}, owed={model.Owed}, applied={model.Applied})");
                Require((proposal.Status == ProposalStatus.Refunded) == model.Marked && (!model.Marked || model.Applied),
                    $"{job.Id}/{Fid(w)} is {proposal.Status}; marked={model.Marked}, applied={model.Applied}");
            }
            if (job.Status is JobStatus.Cancelled or JobStatus.Removed && !job.DeliveryIncomplete)
            {
                foreach (var (w, model) in job.Proposals.Where(p => p.Value.Owed))
                    Require(model.Applied && model.Marked, model.Applied
                        ? $"{job.Id} was cancelled and its delivery finished: {Fid(w)}'s wallet got the refund, but the job shows the proposal {model.Status}, not refunded"
                        : $"{job.Id} was cancelled and its delivery finished, but {Fid(w)} (owed a refund at the cancel, now {model.Status}) was never refunded");
                Require(job.Job.RefundsOwed().Count == 0, $"{job.Id} still owes refunds after a complete delivery");
            }
            if (job.Status is JobStatus.Open or JobStatus.Filled) Require(job.Proposals.Values.All(p => !p.Owed && !p.Applied), $"{job.Id} ({job.Status}) refunded a proposal");
        }

        foreach (var ((w, reference), list) in spends)
        {
            var job = reference.StartsWith("proposal:", StringComparison.Ordinal) ? jobsById.GetValueOrDefault(reference["proposal:".Length..]) : null;
            Require(job is not null && job.Proposals.ContainsKey(w), $"{Fid(w)} has a spend {reference} without a proposal");
        }
        foreach (var ((w, reference), list) in refunds)
        {
            var job = reference.StartsWith("proposal:", StringComparison.Ordinal) ? jobsById.GetValueOrDefault(reference["proposal:".Length..]) : null;
            Require(job is not null && job.Proposals.TryGetValue(w, out var model) && model.Applied, $"{Fid(w)} has a refund {reference} no cancellation owed");
        }
    }

    private void CheckLedger(int w, Wallet wallet, List<LedgerEntry> entries)
    {
        var state = wallet.State;
        var running = 0;
        var previous = DateTimeOffset.MinValue;
        var totals = new LedgerTotals();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            running += e.Amount;
            Require(e.Sequence == i + 1, $"{Fid(w)}: entry {i} has sequence {e.Sequence}");
            Require(e.BalanceAfter == running, $"{Fid(w)}: entry {e.Sequence} ({e.Kind} {e.Amount}) says balance {e.BalanceAfter}, the running sum is {running}");
            Require(running >= 0, $"{Fid(w)}: the balance went negative at entry {e.Sequence}");
            Require(e.At >= previous, $"{Fid(w)}: entry {e.Sequence} at {e.At:u} is before the previous one at {previous:u}");
            Require(e.At <= Now, $"{Fid(w)}: entry {e.Sequence} is in the future ({e.At:u})");
            previous = e.At;
            totals.Add(e.Kind, e.Amount, e.Quantity);
        }
        Require(state.NextSequence == entries.Count + 1, $"{Fid(w)}: next sequence {state.NextSequence} with {entries.Count} entries");
        Require(wallet.Balance == running, $"{Fid(w)}: balance {wallet.Balance}, entries sum to {running}");
        Require(wallet.Balance == state.Totals.Net, $"{Fid(w)}: balance {wallet.Balance}, totals net {state.Totals.Net}");
        Require(state.Totals == totals, $"{Fid(w)}: totals {state.Totals} differ from the entries' {totals}");
        Require(wallet.Balance == wallet.Available + wallet.Held, $"{Fid(w)}: balance {wallet.Balance} != available {wallet.Available} + held {wallet.Held}");
        Require(wallet.Held == 0 && state.Holds.Count == 0, $"{Fid(w)}: {state.Holds.Count} holds ({wallet.Held}) left after the step");
        Require(state.Buckets.All(b => b.Amount > 0), $"{Fid(w)}: an empty or negative bucket");
        Require(state.Buckets.Count(b => b.Source == BucketSource.Rollover) <= 1, $"{Fid(w)}: more than one rollover bucket");
        if (_eager)
        {
            Require(state.Cycle == BillingCycle.At(state.Anchor, Now).Index, $"{Fid(w)}: cycle {state.Cycle} at {Now:u}, anchor {state.Anchor:u}");
            Require(state.Buckets.All(b => b.ExpiresAt is null || b.ExpiresAt > Now), $"{Fid(w)}: an expired bucket is still spendable at {Now:u}");
            Require(state.Entries.Count(e => e.Cycle < state.Cycle) < Math.Max(1, WalletRules.ArchiveAfterEntries),
                $"{Fid(w)}: closed cycles' entries piled up past {WalletRules.ArchiveAfterEntries} without being archived");
        }
    }

    private static void CompareWorlds(DomainWorld lazy, DomainWorld eager, bool final)
    {
        Require(lazy.Now == eager.Now, "the clocks differ");
        for (var w = 0; w < WalletCount; w++)
        {
            var (a, b) = (lazy.Wallets[w], eager.Wallets[w]);
            Require(a.State.IsOpen == b.State.IsOpen, $"{Fid(w)} is open in one world only");
            if (!a.State.IsOpen) continue;
            var (la, lb) = (lazy.Entries(w), eager.Entries(w));
            if (final || lazy.Touched.Contains(w))
            {
                // Both were brought up to now: a wallet advanced only when touched equals one advanced after every step.
                Require(a.Balance == b.Balance && a.State.Cycle == b.State.Cycle && a.State.Plan == b.State.Plan && a.State.NextPlan == b.State.NextPlan,
                    $"{Fid(w)}: lazy balance {a.Balance} cycle {a.State.Cycle} {a.State.Plan}, eager balance {b.Balance} cycle {b.State.Cycle} {b.State.Plan}");
                Require(la.SequenceEqual(lb), $"{Fid(w)}: the lazy and eager ledgers differ first at {FirstDifference(la, lb)}");
                Require(a.View(lazy.Now).Buckets.SequenceEqual(b.View(eager.Now).Buckets), $"{Fid(w)}: the lazy and eager buckets differ");
            }
            else
            {
                Require(la.Count <= lb.Count && la.SequenceEqual(lb.Take(la.Count)),
                    $"{Fid(w)}: the lazy ledger is not a prefix of the eager one; first difference at {FirstDifference(la, lb)}");
            }
        }
    }

    private static string FirstDifference(List<LedgerEntry> a, List<LedgerEntry> b)
    {
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var (x, y) = (i < a.Count ? a[i] : null, i < b.Count ? b[i] : null);
            if (x != y) return $"#{i}: {x?.ToString() ?? "none"} vs {y?.ToString() ?? "none"}";
        }
        return "nowhere";
    }
}

/// <summary>A wallet of the domain world as the protocol's activation: writes land at once, the receipt books are the world's.</summary>
internal sealed class WorldActivation(DomainWorld world, int w) : IWalletActivation
{
    public DateTimeOffset Now => world.Now;
    public string HoldTag => "a";
    public Task Save() => Task.CompletedTask;
    public void SaveSoon() { }
    public void ResolveHoldsLater() { }
    public Task<Receipt?> FindArchivedReceipt(string key, DateTimeOffset? appliedFrom) => Task.FromResult(world.FindArchived(w, key, appliedFrom));
    public void Deferred(string what, Exception error) => throw new PropertyViolation($"the protocol put off {what}", error);
}

/// <summary>A job of the domain world as the protocol asks it. It quotes <c>shown</c> until a record is tried, then
/// <c>current</c> (the demand moved); without them, the world's demand now.</summary>
internal sealed class WorldJob(DomainWorld world, JobRecord job, string freelancerId, ConnectPrice? shown, ConnectPrice? current) : IProposalJob
{
    private bool _recordTried;
    /// <summary>The hold the job was last asked to record with.</summary>
    public Hold? Held { get; private set; }
    public string JobId => job.Id;
    public Task<JobQuote> Quote() =>
        Task.FromResult(new JobQuote(true, job.Job.State.Status, (_recordTried ? current : shown) ?? shown ?? world.PriceNow(job), job.Job.FindProposal(freelancerId)));

    public Task<RecordResult> Record(Hold hold)
    {
        Held = hold;
        DomainWorld.RequireSoonestFirst(world.Wallets.Single(w => w.State.FreelancerId == freelancerId), hold);
        _recordTried = true;
        return Task.FromResult(job.Job.Record(freelancerId, hold.HoldId, hold.Slices, current!.Connects, world.Now));
    }

    public Task<Proposal?> ResolveHold(string holdId)
    {
        var (recorded, _) = job.Job.ResolveHold(freelancerId, holdId);
        if (recorded is not null) job.Job.Vouch(freelancerId, holdId);
        return Task.FromResult(recorded);
    }

    public void Vouch(string holdId) => job.Job.Vouch(freelancerId, holdId);
    public Task<AbandonOutcome> Abandon(string holdId) => Task.FromResult(job.Job.Abandon(freelancerId, holdId));
}
