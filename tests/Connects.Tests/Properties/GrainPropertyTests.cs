using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Connects.Contracts;
using Connects.Domain;
using Connects.Tests.Support;
using CsCheck;
using Xunit.Abstractions;

namespace Connects.Tests.Properties;

/// <summary>
/// Random operation sequences against the real grains of the in-process cluster (SQLite storage, fake
/// clock). Each wallet has a shadow: a pure-domain <see cref="Wallet"/> given the same operations at the
/// same instants, so the grain's balance, buckets and whole history (statements of closed cycles included)
/// must equal the shadow's. Per job, every acknowledged submission is one proposal and one spend, and a
/// cancellation refunds each proposal not withdrawn exactly once. Sequences use ids of their own and run
/// one at a time (the clock is shared; it only moves forward).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainPropertyTests(ClusterFixture fx, ITestOutputHelper output)
{
    private const int Sequences = 40;

    [Fact]
    public async Task Random_sequences_on_real_grains_keep_ledgers_conserved_and_equal_to_the_domain()
    {
        long steps = 0;
        var outcomes = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var advancedFrom = fx.Time.GetUtcNow();
        await GrainSequence.Generator.SampleAsync(async sequence =>
        {
            await new GrainRun(fx, sequence, outcome => outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1)).Run();
            Interlocked.Add(ref steps, sequence.Ops.Length);
        }, iter: Sequences, threads: 1, print: GrainSequence.Print, writeLine: output.WriteLine);
        output.WriteLine($"{steps} grain steps in {Sequences} sequences, {clock.Elapsed.TotalSeconds:F1} s; " +
                         $"the fake clock moved {(fx.Time.GetUtcNow() - advancedFrom).TotalDays:F0} days");
        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
    }
}

internal abstract record GrainOp;
internal sealed record GOpen(int W, Plan Plan) : GrainOp;
internal sealed record GPurchase(int W, int Ref, int Bundle) : GrainOp;
internal sealed record GGrant(int W, int Id, int Amount, int? ExpiresInHours) : GrainOp;
internal sealed record GSubmit(int W, int J) : GrainOp;
internal sealed record GWithdraw(int W, int J) : GrainOp;
internal sealed record GDecline(int W, int J) : GrainOp;
internal sealed record GHire(int W, int J) : GrainOp;
internal sealed record GCancel(int J, CancelReason Reason) : GrainOp;
internal sealed record GPlan(int W, Plan Plan) : GrainOp;
/// <summary>New terms for an open job, or a new job in the slot when its job is closed.</summary>
internal sealed record GPost(int J, int Terms) : GrainOp;
internal sealed record GAdvance(int Minutes) : GrainOp;

/// <summary>A sequence: its operations, the job terms it picks from, and how far it may move the shared clock
/// (a month or so: every wallet closes a cycle, so statements and the receipt book are used, while the whole
/// run moves the cluster's clock by about four years, which later reminder ticks of idle wallets must catch up).</summary>
internal sealed record GrainSequence(GrainOp[] Ops, JobTerms[] Terms, int ClockBudgetDays)
{
    public const int Wallets = 4;
    public const int Jobs = 6;
    public const int CheckEvery = 10;

    public static readonly Gen<GrainSequence> Generator = Gen.Select(
        OpGen.Array[250, 300],
        TermsGen.Array[6],
        Gen.Int[30, 40],
        (ops, terms, days) => new GrainSequence(ops, terms, days));

    private static Gen<JobTerms> TermsGen =>
        Gen.Select(Gen.Bool, Gen.OneOf(20m, 150m, 400m, 1_200m, 6_000m, 50_000m), Gen.OneOf(5m, 15m, 40m, 120m),
            Gen.Enum<ProjectDuration>(),
            (hourly, budget, rate, duration) => hourly ? new JobTerms(rate, BudgetType.Hourly, duration) : new JobTerms(budget, BudgetType.Fixed, duration));

    private static Gen<GrainOp> OpGen
    {
        get
        {
            var w = Gen.Int[0, Wallets - 1];
            var j = Gen.Int[0, Jobs - 1];
            var plan = Gen.OneOf(Plan.Basic, Plan.Plus);
            var bundle = Gen.Frequency((12, Gen.OneOf(10, 20, 40, 60, 80)), (1, Gen.OneOf(0, 15, 100)));
            var amount = Gen.Frequency((12, Gen.Int[1, 120]), (1, Gen.OneOf(0, 10_001)));
            var expiry = Gen.Frequency((3, Gen.Const((int?)null)), (6, Gen.Int[1, 9_000].Select(h => (int?)h)));
            // Mostly short moves (holds, demand windows), some of days: a sequence spends its clock budget over most of its steps.
            var minutes = Gen.Frequency((4, Gen.Int[1, 180]), (3, Gen.Int[60, 48 * 60]), (1, Gen.Int[1, 10].Select(d => d * 24 * 60)));
            return Gen.Frequency<GrainOp>(
                (6, Gen.Select(w, plan, (a, b) => (GrainOp)new GOpen(a, b))),
                (8, Gen.Select(w, Gen.Int[0, 12], bundle, (a, b, c) => (GrainOp)new GPurchase(a, b, c))),
                (5, Gen.Select(w, Gen.Int[0, 12], amount, expiry, (a, b, c, d) => (GrainOp)new GGrant(a, b, c, d))),
                (30, Gen.Select(w, j, (a, b) => (GrainOp)new GSubmit(a, b))),
                (4, Gen.Select(w, j, (a, b) => (GrainOp)new GWithdraw(a, b))),
                (3, Gen.Select(w, j, (a, b) => (GrainOp)new GDecline(a, b))),
                (4, Gen.Select(w, j, (a, b) => (GrainOp)new GHire(a, b))),
                (4, Gen.Select(j, Gen.Enum<CancelReason>(), (a, b) => (GrainOp)new GCancel(a, b))),
                (4, Gen.Select(w, plan, (a, b) => (GrainOp)new GPlan(a, b))),
                (6, Gen.Select(j, Gen.Int[0, 5], (a, b) => (GrainOp)new GPost(a, b))),
                (20, minutes.Select(m => (GrainOp)new GAdvance(m))));
        }
    }

    public static string Print(GrainSequence sequence)
    {
        var text = new StringBuilder();
        text.AppendLine($"{sequence.Ops.Length} operations, clock budget {sequence.ClockBudgetDays} days; terms: " +
                        string.Join(", ", sequence.Terms.Select((t, i) => $"[{i}] {t}")));
        for (var i = 0; i < sequence.Ops.Length; i++) text.AppendLine($"  {i}: {sequence.Ops[i]}");
        return text.ToString();
    }
}

/// <summary>One sequence against the cluster, with the shadow wallets and the model of the jobs.</summary>
internal sealed class GrainRun(ClusterFixture fx, GrainSequence sequence, Action<string> observe)
{
    private static readonly WalletRules WalletRules = new();
    private const int Expected = 16;

    private sealed class ModelProposal
    {
        public ProposalStatus Status = ProposalStatus.Active;
        public int Charged;
        public IReadOnlyList<Slice> Slices = [];
        public bool Refunded;
    }

    private sealed class ModelJob(string id)
    {
        public string Id { get; } = id;
        public JobStatus Status = JobStatus.Open;
        public int? Hired;
        public Dictionary<int, ModelProposal> Proposals { get; } = [];
    }

    private readonly string _prefix = "gp" + Guid.NewGuid().ToString("N")[..10];
    private readonly Wallet[] _shadows = [.. Enumerable.Range(0, GrainSequence.Wallets).Select(_ => new Wallet(new WalletState(), WalletRules))];
    private readonly ModelJob[] _slots = new ModelJob[GrainSequence.Jobs];
    private readonly int[] _generation = new int[GrainSequence.Jobs];
    private readonly List<ModelJob> _jobs = [];
    private readonly DateTimeOffset _clockLimit = fx.Time.GetUtcNow().AddDays(sequence.ClockBudgetDays);

    private DateTimeOffset Now => fx.Time.GetUtcNow();
    private string Fid(int w) => $"{_prefix}-f{w}";
    private IWalletGrain WalletGrain(int w) => fx.Grains.Wallet(Fid(w));
    private string Category(int slot) => $"{_prefix}-c{slot % 2}";

    public async Task Run()
    {
        for (var j = 0; j < GrainSequence.Jobs; j++) _slots[j] = await PostNew(j, sequence.Terms[j % sequence.Terms.Length]);
        for (var i = 0; i < sequence.Ops.Length; i++)
        {
            var op = sequence.Ops[i];
            try
            {
                observe(await Apply(op));
                if ((i + 1) % GrainSequence.CheckEvery == 0) await CheckAll(conserved: false);
            }
            catch (Exception ex)
            {
                throw new PropertyViolation($"{_prefix}: step {i} of {sequence.Ops.Length} ({op}) at {Now:u}: {ex.GetType().Name}: {ex.Message}", ex);
            }
        }
        try
        {
            await CheckAll(conserved: true);
        }
        catch (Exception ex)
        {
            throw new PropertyViolation($"{_prefix}: after the last step at {Now:u}: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private async Task<ModelJob> PostNew(int slot, JobTerms terms)
    {
        var job = new ModelJob($"{_prefix}-j{slot}-{_generation[slot]++}");
        var posted = await fx.Grains.Job(job.Id).Post(new JobPosting("client-1", terms, Category(slot)));
        Require(posted.Created && posted.Job.Status == JobStatus.Open, $"posting {job.Id} did not create an open job");
        _jobs.Add(job);
        return job;
    }

    /// <summary>The shadow of an open wallet, brought up to now with the notices due (what the grain does on every call).</summary>
    private Wallet? Shadow(int w)
    {
        var shadow = _shadows[w];
        if (!shadow.State.IsOpen) return null;
        shadow.Advance(Now);
        shadow.Notice(Now);
        return shadow;
    }

    /// <summary>The notices a stored change calls for, as the grain records them in the write of that change: a notice
    /// takes a ledger sequence number, so the shadow's numbering follows the grain's only if it notices at the same points.</summary>
    private T Noticed<T>(Wallet shadow, T result)
    {
        shadow.Notice(Now);
        return result;
    }

    private async Task<string> Apply(GrainOp op)
    {
        switch (op)
        {
            case GOpen o:
            {
                var opened = await WalletGrain(o.W).Open(o.Plan);
                if (Shadow(o.W) is { } existing)
                {
                    Require(!opened.Created, "opening an open wallet created it again");
                    RequireView(opened.Wallet, existing, "reopen");
                    return "already-open";
                }
                Require(opened.Created, "a new wallet was not created");
                _shadows[o.W].Open(Fid(o.W), o.Plan, Now);
                _shadows[o.W].Notice(Now);
                RequireView(opened.Wallet, _shadows[o.W], "open");
                return "opened";
            }
            case GPurchase p:
            {
                var reference = $"pay-{p.Ref}";
                if (Shadow(p.W) is not { } shadow)
                {
                    await Refused(Refusals.WalletNotOpen, () => WalletGrain(p.W).Purchase(reference, p.Bundle));
                    return "no-wallet";
                }
                if (shadow.TryFindReceipt(ReceiptKeys.Purchase(reference), out var previous))
                {
                    if (previous.Purchase!.Connects != p.Bundle)
                    {
                        await Refused(Refusals.ReferenceReused, () => WalletGrain(p.W).Purchase(reference, p.Bundle));
                        return previous.Cycle < shadow.State.Cycle ? "reference-reused-after-archive" : "reference-reused";
                    }
                    var again = await WalletGrain(p.W).Purchase(reference, p.Bundle);
                    Require(!again.Created && again.Receipt == previous.Purchase, $"a retried purchase answered {again}, first {previous.Purchase}");
                    return previous.Cycle < shadow.State.Cycle ? "purchase-retried-after-archive" : "purchase-retried";
                }
                if (!WalletRules.Bundles.Contains(p.Bundle))
                {
                    await Refused(Refusals.InvalidBundle, () => WalletGrain(p.W).Purchase(reference, p.Bundle));
                    return "invalid-bundle";
                }
                var made = await WalletGrain(p.W).Purchase(reference, p.Bundle);
                var expected = Noticed(shadow, shadow.Purchase(reference, p.Bundle, Now));
                Require(made.Created && made.Receipt == expected, $"purchase answered {made.Receipt}, the domain {expected}");
                return "purchased";
            }
            case GGrant g:
            {
                var grantId = $"grant-{g.Id}";
                DateTimeOffset? expiresAt = g.ExpiresInHours is { } h ? Now.AddHours(h) : null;
                if (Shadow(g.W) is not { } shadow)
                {
                    await Refused(Refusals.WalletNotOpen, () => WalletGrain(g.W).Grant(grantId, g.Amount, "property", expiresAt));
                    return "no-wallet";
                }
                if (shadow.TryFindReceipt(ReceiptKeys.Grant(grantId), out var previous))
                {
                    var again = await WalletGrain(g.W).Grant(grantId, g.Amount, "property", expiresAt);
                    Require(!again.Created && again.Balance == previous.Balance, $"a retried grant answered {again}, first balance {previous.Balance}");
                    return previous.Cycle < shadow.State.Cycle ? "grant-retried-after-archive" : "grant-retried";
                }
                if (g.Amount < 1 || g.Amount > WalletRules.MaxGrantAmount)
                {
                    await Refused(Refusals.InvalidAmount, () => WalletGrain(g.W).Grant(grantId, g.Amount, "property", expiresAt));
                    return "invalid-amount";
                }
                var granted = await WalletGrain(g.W).Grant(grantId, g.Amount, "property", expiresAt);
                shadow.Grant(grantId, g.Amount, "property", expiresAt, Now);
                shadow.Notice(Now);
                Require(granted.Created && granted.Balance == shadow.Balance, $"grant answered {granted}, the domain's balance is {shadow.Balance}");
                return "granted";
            }
            case GSubmit s:
                return await Submit(s);
            case GWithdraw x:
                return await Transition(x.W, x.J, ProposalStatus.Withdrawn);
            case GDecline x:
                return await Transition(x.W, x.J, ProposalStatus.Declined);
            case GHire h:
                return await Hire(h);
            case GCancel c:
                return await Cancel(c);
            case GPlan p:
            {
                if (Shadow(p.W) is not { } shadow)
                {
                    await Refused(Refusals.WalletNotOpen, () => WalletGrain(p.W).ChangePlan(p.Plan));
                    return "no-wallet";
                }
                var view = await WalletGrain(p.W).ChangePlan(p.Plan);
                shadow.ChangePlan(p.Plan, Now);
                shadow.Notice(Now);
                RequireView(view, shadow, "plan change");
                return "plan-" + p.Plan;
            }
            case GPost p:
            {
                var current = _slots[p.J];
                var terms = sequence.Terms[p.Terms % sequence.Terms.Length];
                if (current.Status != JobStatus.Open)
                {
                    _slots[p.J] = await PostNew(p.J, terms);
                    return "posted";
                }
                var posted = await fx.Grains.Job(current.Id).Post(new JobPosting("client-1", terms, Category(p.J)));
                Require(!posted.Created && posted.Job.Status == JobStatus.Open && posted.Job.BudgetUsd == terms.BudgetUsd, "new terms for an open job");
                return "terms-changed";
            }
            case GAdvance a:
            {
                var by = TimeSpan.FromMinutes(a.Minutes);
                if (Now + by > _clockLimit) by = _clockLimit - Now;
                if (by <= TimeSpan.Zero) return "clock-budget-spent";
                fx.Time.Advance(by);
                return "advanced";
            }
            default:
                throw new PropertyViolation($"unknown operation {op}");
        }
    }

    private async Task<string> Submit(GSubmit s)
    {
        var job = _slots[s.J];
        var result = await WalletGrain(s.W).SubmitProposal(job.Id, Expected);
        if (Shadow(s.W) is not { } shadow)
        {
            Require(result.Outcome == SubmissionOutcome.WalletNotFound, $"a submission without a wallet answered {result.Outcome}");
            return "no-wallet";
        }
        if (job.Proposals.TryGetValue(s.W, out var existing))
        {
            Require(result.Outcome == SubmissionOutcome.AlreadySubmitted && result.ConnectsCharged == existing.Charged,
                $"a repeated submission answered {result}; first charged {existing.Charged}");
            Require(result.Balance == shadow.Balance, $"a repeated submission reports balance {result.Balance}, the domain {shadow.Balance}");
            return "already-submitted";
        }
        if (job.Status != JobStatus.Open)
        {
            Require(result.Outcome == SubmissionOutcome.JobNotOpen, $"a submission to a {job.Status} job answered {result.Outcome}");
            return "job-not-open";
        }
        switch (result.Outcome)
        {
            case SubmissionOutcome.Submitted:
            {
                var charged = result.ConnectsCharged;
                Require(charged is >= 2 and <= Expected, $"charged {charged}");
                Require(shadow.Available >= charged, $"charged {charged} with {shadow.Available} available in the domain");
                var hold = Noticed(shadow, shadow.Reserve(job.Id, charged, Now)!);
                var slices = Noticed(shadow, shadow.Capture(hold.HoldId, charged, Now));
                Require(result.Balance == shadow.Balance, $"a submission reports balance {result.Balance}, the domain {shadow.Balance}");
                job.Proposals[s.W] = new ModelProposal { Charged = charged, Slices = slices };
                return "submitted";
            }
            case SubmissionOutcome.InsufficientConnects:
                Require(result.Available == shadow.Available && result.Available < result.ConnectsRequired && result.Balance == shadow.Balance,
                    $"refused as insufficient ({result}); the domain has {shadow.Available} available of {shadow.Balance}");
                return "insufficient";
            default:
                throw new PropertyViolation($"a submission to an open job answered {result}");
        }
    }

    private async Task<string> Transition(int w, int j, ProposalStatus to)
    {
        var job = _slots[j];
        var grain = fx.Grains.Job(job.Id);
        var model = job.Proposals.GetValueOrDefault(w);
        Task<Proposal> Call() => to == ProposalStatus.Withdrawn ? grain.Withdraw(Fid(w)) : grain.Decline(Fid(w));
        if (job.Status is JobStatus.Cancelled or JobStatus.Removed && model is not null && model.Status != to)
        {
            // Once a job is cancelled or removed its proposals are settled by refunds: the job refuses to change them.
            await Refused(Refusals.JobNotOpen, Call);
            return "refused-closed";
        }
        if (model is null || (model.Status != ProposalStatus.Active && model.Status != to))
        {
            var rule = model is null ? Refusals.ProposalNotFound : Refusals.ProposalNotActive;
            await Refused(rule, Call);
            return "refused-" + rule;
        }
        var proposal = await Call();
        Require(proposal.Status == to, $"the proposal is {proposal.Status}, expected {to}");
        model.Status = to;
        return to.ToString();
    }

    private async Task<string> Hire(GHire h)
    {
        var job = _slots[h.J];
        var model = job.Proposals.GetValueOrDefault(h.W);
        var repeat = model is not null && job.Status == JobStatus.Filled && job.Hired == h.W;
        if (!repeat && (model is null || job.Status != JobStatus.Open || model.Status != ProposalStatus.Active))
        {
            var rule = model is null ? Refusals.ProposalNotFound : job.Status != JobStatus.Open ? Refusals.JobNotOpen : Refusals.ProposalNotActive;
            await Refused(rule, () => fx.Grains.Job(job.Id).Hire(Fid(h.W)));
            return "refused-hire-" + rule;
        }
        var view = await fx.Grains.Job(job.Id).Hire(Fid(h.W));
        Require(view.Status == JobStatus.Filled && view.HiredFreelancerId == Fid(h.W), $"hire answered {view.Status} {view.HiredFreelancerId}");
        model!.Status = ProposalStatus.Hired;
        job.Status = JobStatus.Filled;
        job.Hired = h.W;
        return repeat ? "hire-repeated" : "hired";
    }

    private async Task<string> Cancel(GCancel c)
    {
        var job = _slots[c.J];
        var cancellation = fx.Grains.Cancellation(job.Id);
        if (c.Reason == CancelReason.ClientCancelled && job.Status == JobStatus.Filled)
        {
            await Refused(Refusals.JobNotOpen, () => cancellation.Cancel(c.Reason));
            return "refused-cancel-filled";
        }
        var repeat = job.Status is JobStatus.Cancelled or JobStatus.Removed;
        var view = await cancellation.Cancel(c.Reason);
        if (!repeat)
        {
            job.Status = c.Reason == CancelReason.ClientCancelled ? JobStatus.Cancelled : JobStatus.Removed;
            foreach (var (w, proposal) in job.Proposals.Where(p => p.Value.Status != ProposalStatus.Withdrawn))
            {
                var shadow = Shadow(w)!;
                Require(Noticed(shadow, shadow.Refund(job.Id, proposal.Slices, Now)) == proposal.Charged, "the domain refunded another amount than charged");
                proposal.Refunded = true;
                proposal.Status = ProposalStatus.Refunded;
            }
        }
        Require(view.Status == job.Status && view.RefundsPending == 0, $"cancel answered {view.Status} with {view.RefundsPending} refunds pending");
        RequireRefunds(job, view);
        return repeat ? "cancel-repeated" : "cancelled-" + job.Status;
    }

    private void RequireRefunds(ModelJob job, JobView view)
    {
        var expected = job.Proposals.Where(p => p.Value.Refunded).Select(p => (Fid(p.Key), p.Value.Charged)).Order().ToList();
        var actual = view.Refunds.Select(r => (r.FreelancerId, r.Connects)).Order().ToList();
        Require(expected.SequenceEqual(actual), $"{job.Id} shows refunds [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    private async Task CheckAll(bool conserved)
    {
        var entriesByWallet = new Dictionary<int, List<LedgerEntry>>();
        for (var w = 0; w < GrainSequence.Wallets; w++)
        {
            var grain = WalletGrain(w);
            var view = await grain.GetWallet();
            if (Shadow(w) is not { } shadow)
            {
                Require(view is null, $"{Fid(w)} was never opened but has a wallet");
                continue;
            }
            Require(view is not null, $"{Fid(w)} lost its wallet");
            RequireView(view!, shadow, "check");
            var entries = (await grain.AllEntries()).OrderBy(e => e.Sequence).ToList();
            var running = 0;
            foreach (var e in entries)
            {
                running += e.Amount;
                Require(e.BalanceAfter == running, $"{Fid(w)}: entry {e.Sequence} says {e.BalanceAfter}, the running sum is {running}");
            }
            Require(running == view!.Balance, $"{Fid(w)}: the history sums to {running}, the balance is {view.Balance}");
            // The history leaves notices out (they change no balance); their sequence numbers are gaps in it on both sides.
            var expected = shadow.State.Entries.Where(e => !Wallet.IsNotice(e.Kind)).ToList();
            Require(entries.SequenceEqual(expected),
                $"{Fid(w)}: the grain's history ({entries.Count} entries) differs from the domain's ({expected.Count}) first at {FirstDifference(entries, expected)}");
            if (conserved) await grain.AssertConserved();
            entriesByWallet[w] = entries;
        }

        foreach (var job in _jobs)
        {
            var view = await fx.Grains.Job(job.Id).GetJob();
            Require(view is not null, $"{job.Id} is gone");
            Require(view!.ProposalCount == job.Proposals.Count, $"{job.Id} has {view.ProposalCount} proposals, {job.Proposals.Count} submissions were acknowledged");
            Require(view.Status == job.Status && view.RefundsPending == 0, $"{job.Id} is {view.Status} with {view.RefundsPending} refunds pending; the model says {job.Status}");
            Require(view.HiredFreelancerId == (job.Hired is { } h ? Fid(h) : null), $"{job.Id} hired {view.HiredFreelancerId}");
            RequireRefunds(job, view);
            var reference = "proposal:" + job.Id;
            foreach (var (w, proposal) in job.Proposals)
            {
                var entries = entriesByWallet[w];
                var spends = entries.Where(e => e.Kind == LedgerKind.Spend && e.Reference == reference).ToList();
                Require(spends.Count == 1 && spends[0].Amount == -proposal.Charged,
                    $"{Fid(w)} has {spends.Count} spends for {job.Id}, expected one of {proposal.Charged}");
                var refunds = entries.Where(e => e.Kind == LedgerKind.Refund && e.Reference == reference).ToList();
                Require(refunds.Count == (proposal.Refunded ? 1 : 0) && refunds.All(e => e.Amount == proposal.Charged),
                    $"{Fid(w)} has {refunds.Count} refunds for {job.Id} ({proposal.Status}), expected {(proposal.Refunded ? 1 : 0)}");
            }
        }
        foreach (var (w, entries) in entriesByWallet)
        {
            foreach (var e in entries.Where(e => e.Kind is LedgerKind.Spend or LedgerKind.Refund))
            {
                var job = _jobs.FirstOrDefault(j => "proposal:" + j.Id == e.Reference);
                Require(job is not null && job.Proposals.ContainsKey(w), $"{Fid(w)} has a {e.Kind} {e.Reference} without an acknowledged submission");
            }
        }
    }

    /// <summary>The grain's view equals the shadow's at the same instant (the shadow was brought up to now).</summary>
    private void RequireView(WalletView view, Wallet shadow, string what)
    {
        var expected = shadow.View(Now);
        Require(view.Balance == shadow.Balance && view.Held == 0 && view.Available == shadow.Available && view.Plan == expected.Plan
                && view.MonthlyAllotment == expected.MonthlyAllotment && view.ExpiringWithin30Days == expected.ExpiringWithin30Days
                && view.NextPlan == expected.NextPlan && view.Cycle == expected.Cycle && view.NextRefreshAt == expected.NextRefreshAt
                && view.BillingAnchor == expected.BillingAnchor && view.Buckets.SequenceEqual(expected.Buckets),
            $"{what}: the grain shows balance {view.Balance} (held {view.Held}, available {view.Available}, {view.Plan}/{view.NextPlan}, cycle {view.Cycle}, " +
            $"buckets {string.Join(" ", view.Buckets)}), the domain balance {shadow.Balance} (available {shadow.Available}, {expected.Plan}/{expected.NextPlan}, " +
            $"cycle {expected.Cycle}, buckets {string.Join(" ", expected.Buckets)})");
    }

    private static async Task Refused(string rule, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (ConnectsRuleException ex) when (ex.Rule == rule)
        {
            return;
        }
        throw new PropertyViolation($"expected the grain to refuse with {rule}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new PropertyViolation(message);
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
