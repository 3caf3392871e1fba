using Connects.Domain;

namespace Connects.Tests.Audit;

/// <summary>The audit on deliberately corrupted state: it must find every planted fault, and nothing on clean state.</summary>
public sealed class LedgerAuditTests
{
    private static readonly DateTimeOffset T0 = new(2027, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly WalletRules _rules = new();

    /// <summary>Two wallets, one job with both proposals (one refunded after a cancel), through the real domain.</summary>
    private (List<StoredWallet> Wallets, List<JobState> Jobs) World()
    {
        var jobState = new JobState();
        var job = new Job(jobState);
        job.Post("job-1", "client", new JobTerms(500, BudgetType.Fixed, ProjectDuration.OneToFourWeeks), "design", T0);
        var wallets = new List<StoredWallet>();
        foreach (var id in new[] { "ann", "ben" })
        {
            var state = new WalletState();
            var wallet = new Wallet(state, _rules);
            wallet.Open(id, Plan.Plus, T0);
            wallet.Purchase("pay-" + id, 20, T0.AddMinutes(1));
            var hold = wallet.Reserve("job-1", 6, T0.AddMinutes(2))!;
            var recorded = job.Record(id, hold.HoldId, hold.Slices, 5, T0.AddMinutes(2));
            wallet.Capture(hold.HoldId, recorded.Proposal!.ConnectsCharged, T0.AddMinutes(2));
            wallets.Add(new StoredWallet(id, state, []));
        }
        job.Cancel(CancelReason.RemovedByMarketplace, T0.AddMinutes(3));
        var owed = job.RefundsOwed().Single(r => r.FreelancerId == "ann");
        new Wallet(wallets[0].State, _rules).Refund("job-1", owed.Slices, T0.AddMinutes(4));
        job.MarkRefunded("ann", T0.AddMinutes(4));
        return (wallets, [jobState]);
    }

    private static AuditFinding Found(AuditReport report, string kind)
    {
        Assert.False(report.Clean);
        return Assert.Single(report.Findings, f => f.Kind == kind);
    }

    [Fact]
    public void Clean_state_has_no_finding_and_totals_add_up()
    {
        var (wallets, jobs) = World();
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(1));
        Assert.True(report.Clean, string.Join("; ", report.Findings));
        var t = report.Totals;
        Assert.Equal((2, 1, 2), (t.Wallets, t.Jobs, t.Proposals));
        Assert.Equal((140L, 40L, 10L, 5L), (t.Opened, t.Purchased, t.Spent, t.Refunded));
        Assert.Equal(t.Issued + t.Refunded - t.Spent - t.Forfeited - t.Expired, t.Balance);
    }

    [Fact]
    public void A_balance_that_is_not_the_sum_of_the_entries_is_found()
    {
        var (wallets, jobs) = World();
        wallets[1].State.Balance += 3;
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(1));
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.LedgerMismatch && f.Subject == "ben");
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.TotalsMismatch && f.Subject == "ben");
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.BucketsMismatch && f.Subject == "ben");
    }

    [Fact]
    public void A_missing_entry_is_found()
    {
        var (wallets, jobs) = World();
        wallets[0].State.Entries.RemoveAt(1);
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(1));
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.LedgerGap && f.Subject == "ann");
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.LedgerMismatch && f.Subject == "ann");
    }

    [Fact]
    public void Connects_created_in_a_bucket_out_of_nothing_are_found()
    {
        var (wallets, jobs) = World();
        wallets[0].State.Buckets[0].Amount += 50;
        Assert.Equal("ann", Found(LedgerAudit.Run(wallets, jobs, T0.AddHours(1)), LedgerAudit.BucketsMismatch).Subject);
    }

    [Fact]
    public void A_negative_balance_is_found()
    {
        var (wallets, jobs) = World();
        var state = wallets[1].State;
        state.Entries.Add(new LedgerEntry(state.NextSequence++, T0.AddHours(1), LedgerKind.Spend, -(state.Balance + 1), -1, "proposal:ghost", 0, 0));
        state.Balance = -1;
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(2));
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.NegativeBalance && f.Subject == "ben");
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.ChargedNotRecorded && f.Subject == "ghost/ben");
    }

    [Fact]
    public void A_hold_older_than_its_expiry_is_found_but_a_live_one_is_not()
    {
        var (wallets, jobs) = World();
        var hold = new Wallet(wallets[1].State, _rules).Reserve("job-2", 3, T0.AddMinutes(10))!;
        Assert.True(LedgerAudit.Run(wallets, jobs, hold.ExpiresAt.AddSeconds(-1)).Clean);
        Assert.Equal("ben", Found(LedgerAudit.Run(wallets, jobs, hold.ExpiresAt.AddSeconds(1)), LedgerAudit.HoldExpired).Subject);
    }

    [Fact]
    public void A_proposal_recorded_without_a_charge_is_found()
    {
        var (wallets, jobs) = World();
        wallets[1].State.Entries.RemoveAll(e => e.Kind == LedgerKind.Spend);
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(1));
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.RecordedNotCharged && f.Subject == "job-1/ben");
    }

    [Fact]
    public void A_provisional_record_its_wallet_neither_holds_nor_paid_is_a_finding_only_once_it_is_old()
    {
        // The job recorded cat's proposal while cat's wallet was writing the hold, and that write failed: nothing held,
        // nothing spent. Until the job settles it with the wallet this is transient, like a hold being captured.
        var (wallets, jobs) = World();
        var cat = new WalletState();
        new Wallet(cat, _rules).Open("cat", Plan.Plus, T0);
        wallets.Add(new StoredWallet("cat", cat, []));
        var recordedAt = T0.AddMinutes(5);
        jobs[0].Proposals["cat"] = new Proposal
        {
            FreelancerId = "cat", HoldId = "job-1#1.x", ConnectsCharged = 5, Charged = [new Slice(BucketSource.Monthly, 5, null)],
            SubmittedAt = recordedAt, AwaitingWallet = true,
        };

        Assert.True(LedgerAudit.Run(wallets, jobs, recordedAt + LedgerAudit.DefaultProvisionalGrace).Clean);
        var old = Found(LedgerAudit.Run(wallets, jobs, recordedAt + LedgerAudit.DefaultProvisionalGrace + TimeSpan.FromSeconds(1)), LedgerAudit.RecordedNotCharged);
        Assert.Equal("job-1/cat", old.Subject);
        Assert.False(LedgerAudit.Run(wallets, jobs, recordedAt.AddSeconds(11), provisionalGrace: TimeSpan.FromSeconds(10)).Clean);

        // Vouched, the same record is a finding at once.
        jobs[0].Proposals["cat"].AwaitingWallet = false;
        Assert.Equal("job-1/cat", Found(LedgerAudit.Run(wallets, jobs, recordedAt), LedgerAudit.RecordedNotCharged).Subject);
    }

    [Fact]
    public void A_charge_without_a_recorded_proposal_is_found()
    {
        var (wallets, jobs) = World();
        jobs[0].Proposals.Remove("ben");
        Assert.Equal("job-1/ben", Found(LedgerAudit.Run(wallets, jobs, T0.AddHours(1)), LedgerAudit.ChargedNotRecorded).Subject);
    }

    [Fact]
    public void A_charge_that_differs_from_the_jobs_record_is_found()
    {
        var (wallets, jobs) = World();
        var proposal = jobs[0].Proposals["ben"];
        jobs[0].Proposals["ben"] = proposal with { ConnectsCharged = proposal.ConnectsCharged + 1 };
        Assert.Equal("job-1/ben", Found(LedgerAudit.Run(wallets, jobs, T0.AddHours(1)), LedgerAudit.ChargeMismatch).Subject);
    }

    [Fact]
    public void A_refund_on_one_side_only_is_found()
    {
        var (wallets, jobs) = World();
        jobs[0].Proposals["ben"].RefundedAt = T0.AddMinutes(5);
        jobs[0].Proposals["ann"].RefundedAt = null;
        var report = LedgerAudit.Run(wallets, jobs, T0.AddHours(1));
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.RefundMissing && f.Subject == "job-1/ben");
        Assert.Contains(report.Findings, f => f.Kind == LedgerAudit.RefundNotRecorded && f.Subject == "job-1/ann");
    }

    [Fact]
    public void Archived_entries_count_and_a_lost_statement_is_found()
    {
        var (wallets, jobs) = World();
        var state = wallets[0].State;
        var archived = state.Entries.Take(2).ToList();
        state.Entries.RemoveRange(0, 2);
        var withStatement = new List<StoredWallet> { wallets[0] with { Archived = archived }, wallets[1] };
        Assert.True(LedgerAudit.Run(withStatement, jobs, T0.AddHours(1)).Clean);
        Assert.Contains(LedgerAudit.Run(wallets, jobs, T0.AddHours(1)).Findings, f => f.Kind == LedgerAudit.LedgerGap && f.Subject == "ann");
    }
}
