namespace Connects.Domain;

/// <summary>
/// Replays every wallet's ledger and every job's proposals and reports what breaks the invariants of
/// docs/design.md: a ledger that does not sum to its balance (or has gaps), running totals or buckets that
/// disagree with it, a negative balance, a hold older than its expiry, a proposal charged without being
/// recorded or recorded without a charge (a provisional record only once it is old), a refund on one side only.
/// Clean means no finding.
/// </summary>
public static class LedgerAudit
{
    public const string LedgerMismatch = "ledger-mismatch";
    public const string LedgerGap = "ledger-gap";
    public const string TotalsMismatch = "totals-mismatch";
    public const string BucketsMismatch = "buckets-mismatch";
    public const string NegativeBalance = "negative-balance";
    public const string HoldExpired = "hold-expired";
    public const string ChargedNotRecorded = "charged-not-recorded";
    public const string RecordedNotCharged = "recorded-not-charged";
    public const string ChargeMismatch = "charge-mismatch";
    public const string RefundNotRecorded = "refund-not-recorded";
    public const string RefundMissing = "refund-missing";
    public const string BidUnaccounted = "bid-unaccounted";
    public const string BidChargeMismatch = "bid-charge-mismatch";
    public const string BidGiveBackMismatch = "bid-give-back-mismatch";
    public const string BidNotRecorded = "bid-not-recorded";

    /// <summary>How long a provisional record (one its wallet has not vouched for) may stand with neither a hold nor a
    /// charge behind it before it is a finding: its job settles it well within this (default: a hold's default life).</summary>
    public static readonly TimeSpan DefaultProvisionalGrace = TimeSpan.FromMinutes(2);

    public static AuditReport Run(IReadOnlyList<StoredWallet> wallets, IReadOnlyList<JobState> jobs, DateTimeOffset now, TimeSpan? provisionalGrace = null)
    {
        var grace = provisionalGrace ?? DefaultProvisionalGrace;
        var findings = new List<AuditFinding>();
        var spends = new Dictionary<(string Freelancer, string Job), List<LedgerEntry>>();
        var refunds = new Dictionary<(string Freelancer, string Job), List<LedgerEntry>>();
        var bids = new Dictionary<(string Freelancer, string Job), List<LedgerEntry>>();
        var givenBack = new Dictionary<(string Freelancer, string Job), List<LedgerEntry>>();
        var totals = new LedgerTotals();
        long balance = 0;

        foreach (var wallet in wallets.Where(w => w.State.IsOpen))
        {
            var id = wallet.FreelancerId;
            var state = wallet.State;
            var entries = wallet.Archived.Concat(state.Entries).GroupBy(e => e.Sequence).Select(g => g.First()).OrderBy(e => e.Sequence).ToList();
            var running = 0;
            long expected = 1;
            foreach (var entry in entries)
            {
                if (entry.Sequence != expected)
                    findings.Add(new(LedgerGap, id, $"entry {expected} is missing (next is {entry.Sequence})"));
                expected = entry.Sequence + 1;
                running += entry.Amount;
                if (running != entry.BalanceAfter)
                    findings.Add(new(LedgerMismatch, id, $"entry {entry.Sequence} says balance {entry.BalanceAfter}, the entries before it sum to {running}"));
                totals.Add(entry.Kind, entry.Amount, entry.Quantity);
                var job = JobOf(entry.Reference);
                if (job is not null && entry.Kind == LedgerKind.Spend) Add(spends, (id, job), entry);
                if (job is not null && entry.Kind == LedgerKind.Refund) Add(refunds, (id, job), entry);
                if (entry.Kind == LedgerKind.BoostBid) Add(bids, (id, entry.Reference), entry);
                if (entry.Kind is LedgerKind.BoostReturned or LedgerKind.BoostRefunded) Add(givenBack, (id, entry.Reference), entry);
            }
            if (expected != state.NextSequence)
                findings.Add(new(LedgerGap, id, $"entries end at {expected - 1}, the wallet has written up to {state.NextSequence - 1}"));
            if (running != state.Balance)
                findings.Add(new(LedgerMismatch, id, $"balance {state.Balance}, entries sum to {running}"));
            if (state.Totals.Net != state.Balance)
                findings.Add(new(TotalsMismatch, id, $"balance {state.Balance}, running totals say {state.Totals.Net}"));
            var held = state.Holds.Sum(h => h.Amount) + (state.BidHolds?.Sum(h => h.Amount) ?? 0);
            if (state.Buckets.Sum(b => b.Amount) + held != state.Balance)
                findings.Add(new(BucketsMismatch, id, $"balance {state.Balance}, buckets {state.Buckets.Sum(b => b.Amount)} + held {held}"));
            if (state.Balance < 0) findings.Add(new(NegativeBalance, id, $"balance {state.Balance}"));
            foreach (var hold in state.Holds.Concat(state.BidHolds ?? []).Where(h => h.ExpiresAt < now))
                findings.Add(new(HoldExpired, id, $"hold {hold.HoldId} of {hold.Amount} expired at {hold.ExpiresAt:O}"));
            balance += state.Balance;
        }

        var proposals = 0;
        var recorded = new HashSet<(string Freelancer, string Job)>();
        var walletsById = wallets.ToDictionary(w => w.FreelancerId);
        foreach (var job in jobs.Where(j => j.IsPosted))
        {
            foreach (var proposal in job.Proposals.Values)
            {
                proposals++;
                var key = (proposal.FreelancerId, job.JobId);
                recorded.Add(key);
                var charged = spends.GetValueOrDefault(key) ?? [];
                var capturing = walletsById.GetValueOrDefault(proposal.FreelancerId)?.State.Holds
                    .Any(h => h.HoldId == proposal.HoldId && h.ExpiresAt >= now) == true;
                // A provisional record whose wallet neither holds nor paid it: its wallet's hold write may still be on its
                // way (or failed); the job settles it with the wallet. Young, that is a transient state, like a hold being captured.
                var settling = proposal.AwaitingWallet && proposal.SubmittedAt + grace >= now;
                if (charged.Count == 0 && !capturing && !settling)
                    findings.Add(new(RecordedNotCharged, $"{job.JobId}/{proposal.FreelancerId}", $"recorded {proposal.SubmittedAt:O}, no spend in the wallet"));
                else if (charged.Count > 1)
                    findings.Add(new(ChargeMismatch, $"{job.JobId}/{proposal.FreelancerId}", $"charged {charged.Count} times"));
                else if (charged.Count == 1 && -charged[0].Amount != proposal.ConnectsCharged)
                    findings.Add(new(ChargeMismatch, $"{job.JobId}/{proposal.FreelancerId}", $"job says {proposal.ConnectsCharged}, wallet spent {-charged[0].Amount}"));
                var refunded = refunds.GetValueOrDefault(key) ?? [];
                if (proposal.RefundedAt is not null && refunded.Count != (proposal.ConnectsCharged > 0 ? 1 : 0))
                    findings.Add(new(RefundMissing, $"{job.JobId}/{proposal.FreelancerId}", $"marked refunded, the wallet has {refunded.Count} refunds"));
            }
        }
        AuditBids(jobs, walletsById, bids, givenBack, findings);
        foreach (var (key, entries) in spends.Where(s => !recorded.Contains(s.Key)))
            findings.Add(new(ChargedNotRecorded, $"{key.Job}/{key.Freelancer}", $"{entries.Count} spend(s) of {-entries.Sum(e => e.Amount)}, no proposal on the job"));
        foreach (var (key, entries) in refunds)
        {
            var job = jobs.FirstOrDefault(j => j.JobId == key.Job);
            if (job?.Proposals.GetValueOrDefault(key.Freelancer)?.RefundedAt is null)
                findings.Add(new(RefundNotRecorded, $"{key.Job}/{key.Freelancer}", $"{entries.Count} refund(s) the job does not show as made"));
        }

        var report = new AuditTotals(wallets.Count(w => w.State.IsOpen), jobs.Count(j => j.IsPosted), proposals, balance,
            totals.Opened, totals.Refreshed, totals.Granted, totals.Purchased, totals.Refunded, totals.Spent, totals.Forfeited, totals.Expired,
            totals.BoostBids, totals.BoostReturned + totals.BoostRefunded);
        return new AuditReport(now, findings.Count == 0, findings, report);
    }

    /// <summary>
    /// Every Connect bid is held by a winner (or kept from a winner who withdrew), owed back, or given back: on the job's side
    /// (<see cref="Auction.Unaccounted"/>), and the wallet's boost-bid entries match what the job charged (but a placed hold
    /// still being captured) and its boost-returned/refunded entries what the job gave back (but one applied and not yet
    /// marked delivered).
    /// </summary>
    private static void AuditBids(IReadOnlyList<JobState> jobs, Dictionary<string, StoredWallet> walletsById,
        Dictionary<(string Freelancer, string Job), List<LedgerEntry>> bids,
        Dictionary<(string Freelancer, string Job), List<LedgerEntry>> givenBack, List<AuditFinding> findings)
    {
        var known = new HashSet<(string Freelancer, string Job)>();
        foreach (var job in jobs.Where(j => j.IsPosted))
        {
            foreach (var bid in job.Bids.Values)
            {
                var key = (bid.FreelancerId, job.JobId);
                var subject = $"{job.JobId}/{bid.FreelancerId}";
                known.Add(key);
                if (Auction.Unaccounted(job, bid) is var lost and not 0)
                    findings.Add(new(BidUnaccounted, subject, $"{lost} of {bid.Charged} Connects bid are neither held, kept, owed back nor given back"));
                var charged = -(bids.GetValueOrDefault(key)?.Sum(e => e.Amount) ?? 0);
                var capturing = walletsById.GetValueOrDefault(bid.FreelancerId)?.State.BidHolds?
                    .Where(h => bid.PlacedHolds.ContainsKey(h.HoldId)).Sum(h => bid.PlacedHolds[h.HoldId]) ?? 0;
                if (charged != bid.Charged && charged + capturing != bid.Charged)
                    findings.Add(new(BidChargeMismatch, subject, $"job charged {bid.Charged}, wallet's boost-bid entries {charged}"));
                var back = givenBack.GetValueOrDefault(key)?.Sum(e => e.Amount) ?? 0;
                var owed = job.GiveBacksOwed.Where(g => g.FreelancerId == bid.FreelancerId).Sum(g => g.Amount);
                if (back < bid.GivenBack || back > bid.GivenBack + owed)
                    findings.Add(new(BidGiveBackMismatch, subject, $"job gave back {bid.GivenBack} (owes {owed}), wallet's entries {back}"));
            }
        }
        foreach (var key in bids.Keys.Concat(givenBack.Keys).Where(k => !known.Contains(k)).Distinct())
            findings.Add(new(BidNotRecorded, $"{key.Job}/{key.Freelancer}", "boost entries in the wallet, no bid on the job"));
    }

    private static string? JobOf(string reference) => reference.StartsWith("proposal:", StringComparison.Ordinal) ? reference["proposal:".Length..] : null;

    private static void Add<TKey>(Dictionary<TKey, List<LedgerEntry>> map, TKey key, LedgerEntry entry) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(entry);
    }
}
