using Connects.Contracts;
using Connects.Domain;
using Connects.Grains;
using Connects.Tests.Support;
using Xunit.Abstractions;

namespace Connects.Tests.Faults;

/// <summary>Many callers at once on the same wallet, job or reference: each change is applied exactly once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainConcurrencyTests(ClusterFixture fx, ITestOutputHelper output)
{
    private readonly IFaultCluster _cluster = new SharedCluster(fx);

    private Task<IJobGrain> PostJob(string jobId, decimal budget = 100) => fx.Grains.PostedJob(jobId, budget);

    private Task<IWalletGrain> OpenWallet(string id, Plan plan = Plan.Plus) => fx.Grains.OpenedWallet(id, plan);

    [Fact]
    public async Task Fifty_concurrent_purchases_with_one_payment_reference_apply_once()
    {
        const int callers = 50;
        var wallet = await OpenWallet("cc-same-ref", Plan.Basic);

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => wallet.Purchase("cc-pay-1", 20))));

        var created = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(created.Receipt, r.Receipt));
        Assert.Equal(10 + 20, (await wallet.GetWallet())!.Balance);
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Purchase);
        await wallet.AssertConserved();
        output.WriteLine($"concurrent callers: {callers} purchases with one reference; 1 created, {callers - 1} recognised");
    }

    [Fact]
    public async Task Thirty_concurrent_submissions_of_one_proposal_charge_once()
    {
        const int callers = 30;
        var job = await PostJob("cc-one-job");
        var price = await job.PriceNow();
        var wallet = await OpenWallet("cc-one-f");

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => wallet.SubmitProposal("cc-one-job", 16))));

        Assert.Single(results, r => r.Outcome == SubmissionOutcome.Submitted);
        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { SubmissionOutcome.Submitted, SubmissionOutcome.AlreadySubmitted }));
        Assert.All(results, r => Assert.Equal(price, r.ConnectsCharged));
        Assert.Equal(price, (await job.ProposalOf("cc-one-f"))!.ConnectsCharged);
        Assert.Equal(1, (await job.GetJob())!.ProposalCount);
        Assert.Single(await wallet.AllEntries(), e => e.Kind == LedgerKind.Spend);
        var view = (await wallet.GetWallet())!;
        Assert.Equal((70 - price, 0), (view.Balance, view.Held));
        await wallet.AssertConserved();
        output.WriteLine($"concurrent callers: {callers} submissions by one freelancer to one job; charged {price} once");
    }

    [Fact]
    public async Task Concurrent_submissions_from_many_freelancers_and_a_concurrent_cancel_refund_every_recorded_proposal_once()
    {
        const int freelancers = 40;
        const string jobId = "cc-rush";
        var job = await PostJob(jobId);
        var ids = Enumerable.Range(0, freelancers).Select(i => $"cc-rush-f{i}").ToList();
        var wallets = (await Task.WhenAll(ids.Select(id => OpenWallet(id)))).ToList();
        var answered = 0;
        var tenAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Half the freelancers start at once; when ten have their answer, the cancel and the other half start
        // together, so submissions race the cancel on the job.
        Task<SubmissionResult> Submit(IWalletGrain w) => Task.Run(async () =>
        {
            var result = await w.SubmitProposal(jobId, 16);
            if (Interlocked.Increment(ref answered) == 10) tenAnswered.TrySetResult();
            return result;
        });
        var early = wallets.Take(freelancers / 2).Select(Submit).ToList();
        await tenAnswered.Task;
        var cancel = Task.Run(() => fx.Grains.Cancellation(jobId).Cancel(CancelReason.RemovedByMarketplace));
        var submissions = early.Concat(wallets.Skip(freelancers / 2).Select(Submit)).ToList();
        var results = await Task.WhenAll(submissions);
        var cancelled = await cancel;

        Assert.Equal(JobStatus.Removed, cancelled.Status);
        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { SubmissionOutcome.Submitted, SubmissionOutcome.JobNotOpen }));
        var view = (await job.GetJob())!;
        Assert.Equal(0, view.RefundsPending);
        var recorded = new List<string>();
        for (var i = 0; i < freelancers; i++)
        {
            var proposal = await job.ProposalOf(ids[i]);
            var entries = await wallets[i].AllEntries();
            if (proposal is null)
            {
                Assert.NotEqual(SubmissionOutcome.Submitted, results[i].Outcome);
                Assert.DoesNotContain(entries, e => e.Kind is LedgerKind.Spend or LedgerKind.Refund);
            }
            else
            {
                recorded.Add(ids[i]);
                Assert.Equal(SubmissionOutcome.Submitted, results[i].Outcome);
                Assert.Equal(-proposal.ConnectsCharged, Assert.Single(entries, e => e.Kind == LedgerKind.Spend).Amount);
                Assert.Equal(proposal.ConnectsCharged, Assert.Single(entries, e => e.Kind == LedgerKind.Refund).Amount);
                Assert.NotNull(proposal.RefundedAt);
            }
            var wallet = (await wallets[i].GetWallet())!;
            Assert.Equal((70, 0), (wallet.Balance, wallet.Held));
            await wallets[i].AssertConserved();
        }
        Assert.Equal(recorded.Order(), view.Refunds.Select(r => r.FreelancerId).Order());
        Assert.InRange(recorded.Count, 10, freelancers);
        output.WriteLine($"concurrent callers: {freelancers} freelancers submitting to one job + 1 cancel; {recorded.Count} recorded before the cancel, each refunded once, {freelancers - recorded.Count} refused (job not open)");
        await Audits.AssertClean(_cluster, output, "cc-rush");
    }

    [Fact]
    public async Task Duplicate_refreshes_and_reads_while_time_crosses_cycles_refresh_once_per_cycle()
    {
        const int cycles = 4;
        const int tickers = 8;
        const int readers = 8;
        var basic = await OpenWallet("cc-ticks-basic", Plan.Basic);
        var plus = await OpenWallet("cc-ticks-plus", Plan.Plus);
        var anchor = (await basic.GetWallet())!.BillingAnchor;
        Assert.Equal(anchor, (await plus.GetWallet())!.BillingAnchor);
        var target = BillingCycle.Of(anchor, cycles).Start + TimeSpan.FromHours(1);
        var calls = 0;
        using var done = new CancellationTokenSource();

        async Task Hammer(Func<IWalletGrain, Task> call)
        {
            while (!done.IsCancellationRequested)
            {
                foreach (var wallet in new[] { basic, plus })
                {
                    await call(wallet);
                    Interlocked.Increment(ref calls);
                }
                await Task.Yield();
            }
        }

        // Half the ticks are its renewal cohort's refresh, half a reminder of its own (a wallet opened before cohorts).
        var ticks = 0;
        Task Tick(IWalletGrain wallet) => Interlocked.Increment(ref ticks) % 2 == 0
            ? wallet.Refresh()
            : fx.Grains.GetGrain<IRemindable>(wallet.GetGrainId()).ReceiveReminder(WalletGrain.RefreshReminder,
                new TickStatus(anchor.UtcDateTime, TimeSpan.FromMinutes(1), fx.Time.GetUtcNow().UtcDateTime));

        var hammers = Enumerable.Range(0, tickers).Select(_ => Task.Run(() => Hammer(Tick)))
            .Concat(Enumerable.Range(0, readers).Select(_ => Task.Run(() => Hammer(w => w.GetWallet()))))
            .ToList();
        // Each step of the clock waits until the tickers and readers have made calls at that time (however slow the machine),
        // so that every step, the cycle boundaries among them, meets calls in flight.
        async Task Hammered(string when)
        {
            var seen = Volatile.Read(ref calls);
            // A hammer ends only when told to: one that ended before has failed, and its exception is the finding.
            await Eventually.Until(() => Volatile.Read(ref calls) >= seen + tickers + readers || hammers.Any(h => h.IsCompleted),
                $"the tickers and readers to make calls {when}", poll: TimeSpan.FromMilliseconds(2));
            if (hammers.FirstOrDefault(h => h.IsCompleted) is { } ended) await ended;
        }
        var steps = 0;
        while (fx.Time.GetUtcNow() < target)
        {
            fx.Time.Advance(TimeSpan.FromHours(12));
            if (++steps % 40 == 0) await fx.Cluster.DeactivateAsync(basic); // ticks also land on fresh activations
            await Hammered("at this step");
        }
        await Hammered("at the final time");
        await done.CancelAsync();
        await Task.WhenAll(hammers);

        var expected = Enumerable.Range(1, cycles).Select(i => $"cycle-{i}");
        foreach (var wallet in new[] { basic, plus })
        {
            var refreshes = (await wallet.AllEntries()).Where(e => e.Kind == LedgerKind.MonthlyRefresh).Select(e => e.Reference).Order();
            Assert.Equal(expected, refreshes);
            await wallet.AssertConserved();
        }
        Assert.Equal((cycles, 10), ((await basic.GetWallet())!.Cycle, (await basic.GetWallet())!.Balance));
        Assert.Equal(140 + 70, (await plus.GetWallet())!.Balance);
        output.WriteLine($"concurrent callers: {tickers} tickers + {readers} readers on 2 wallets ({calls} calls) while the clock moved {steps} steps across {cycles} cycle boundaries; one refresh per cycle");
        await Audits.AssertClean(_cluster, output, "cc-ticks");
    }

    [Fact]
    public async Task Concurrent_distinct_purchases_and_duplicate_grants_each_apply_once()
    {
        const int references = 40;
        const int copies = 2;
        const int grants = 30;
        var wallet = await OpenWallet("cc-mixed", Plan.Basic);

        var purchases = Enumerable.Range(0, references * copies)
            .Select(i => Task.Run(() => wallet.Purchase($"cc-mixed-pay-{i % references}", 10))).ToList();
        var granted = Enumerable.Range(0, grants)
            .Select(_ => Task.Run(() => wallet.Grant("cc-mixed-grant", 5, "goodwill", null))).ToList();
        var purchaseResults = await Task.WhenAll(purchases);
        var grantResults = await Task.WhenAll(granted);

        Assert.Equal(references, purchaseResults.Count(r => r.Created));
        Assert.Equal(references, purchaseResults.Select(r => r.Receipt.PaymentReference).Distinct().Count());
        Assert.Single(grantResults, r => r.Created);
        var entries = await wallet.AllEntries();
        Assert.Equal(references, entries.Count(e => e.Kind == LedgerKind.Purchase));
        Assert.Equal(references, entries.Where(e => e.Kind == LedgerKind.Purchase).Select(e => e.Reference).Distinct().Count());
        Assert.Single(entries, e => e.Kind == LedgerKind.Grant);
        Assert.Equal(10 + references * 10 + 5, (await wallet.GetWallet())!.Balance);
        await wallet.AssertConserved();
        output.WriteLine($"concurrent callers: {references * copies} purchases ({references} references x {copies}) + {grants} grants with one id; {references} purchases and 1 grant applied");
        await Audits.AssertClean(_cluster, output, "cc-mixed");
    }
}
