using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class JobTests
{
    private static readonly DateTimeOffset T0 = new(2027, 4, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthEnd = new(2027, 4, 15, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NextYear = new(2028, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JobTerms Terms = new(1000m, BudgetType.Fixed, ProjectDuration.OneToThreeMonths);

    /// <summary>A hold of 10 Connects, soonest-expiring first: 4 monthly, then 6 purchased.</summary>
    private static readonly Slice[] Held = [new(BucketSource.Monthly, 4, MonthEnd), new(BucketSource.Purchase, 6, NextYear)];

    private static Job Posted()
    {
        var job = new Job(new JobState());
        Assert.Equal(PostOutcome.Created, job.Post("job-1", "client-1", Terms, "web-dev", T0));
        return job;
    }

    private static Proposal Record(Job job, string freelancerId, int price = 8)
    {
        var result = job.Record(freelancerId, $"job-1#{freelancerId}", Held, price, T0.AddMinutes(5));
        Assert.Equal(RecordOutcome.Recorded, result.Outcome);
        Assert.NotNull(result.Proposal);
        return result.Proposal;
    }

    // ---------------------------------------------------------------- posting

    [Fact]
    public void Posting_a_new_job_creates_it_open()
    {
        var job = Posted();
        Assert.True(job.State.IsPosted);
        Assert.Equal("job-1", job.State.JobId);
        Assert.Equal("client-1", job.State.ClientId);
        Assert.Equal(Terms, job.State.Terms);
        Assert.Equal("web-dev", job.State.Category);
        Assert.Equal(JobStatus.Open, job.State.Status);
        Assert.Equal(T0, job.State.PostedAt);
        Assert.Null(job.State.ClosedAt);
        Assert.Empty(job.State.Proposals);
    }

    [Fact]
    public void Posting_the_same_terms_again_is_unchanged()
    {
        var job = Posted();
        Assert.Equal(PostOutcome.Unchanged, job.Post("job-1", "client-1", Terms with { }, "web-dev", T0.AddHours(1)));
        Assert.Equal(T0, job.State.PostedAt);
    }

    [Fact]
    public void Posting_new_terms_or_category_updates_the_open_job()
    {
        var job = Posted();
        var newTerms = new JobTerms(40m, BudgetType.Hourly, ProjectDuration.ThreeToSixMonths);
        Assert.Equal(PostOutcome.Updated, job.Post("job-1", "client-1", newTerms, "web-dev", T0.AddHours(1)));
        Assert.Equal(newTerms, job.State.Terms);
        Assert.Equal(PostOutcome.Updated, job.Post("job-1", "client-1", newTerms, "design", T0.AddHours(2)));
        Assert.Equal("design", job.State.Category);
        Assert.Equal(T0, job.State.PostedAt);
    }

    [Fact]
    public void Posting_as_another_client_is_a_conflict_and_changes_nothing()
    {
        var job = Posted();
        var error = Assert.Throws<ConnectsRuleException>(() =>
            job.Post("job-1", "client-2", new JobTerms(5m, BudgetType.Fixed, ProjectDuration.LessThan1Week), "design", T0.AddHours(1)));
        Assert.Equal("job-conflict", error.Rule);
        Assert.Equal("clientId", error.Field);
        Assert.Equal("client-1", job.State.ClientId);
        Assert.Equal(Terms, job.State.Terms);
        Assert.Equal("web-dev", job.State.Category);
        // Even the same terms from another client conflict.
        Assert.Equal(Refusals.JobConflict, Assert.Throws<ConnectsRuleException>(() => job.Post("job-1", "client-2", Terms, "web-dev", T0)).Rule);
    }

    [Fact]
    public void Updating_the_terms_of_a_closed_job_is_refused_but_repeating_them_is_unchanged()
    {
        var job = Posted();
        Assert.True(job.Cancel(CancelReason.ClientCancelled, T0.AddHours(1)));
        Assert.Equal(PostOutcome.Unchanged, job.Post("job-1", "client-1", Terms, "web-dev", T0.AddHours(2)));
        var error = Assert.Throws<ConnectsRuleException>(() => job.Post("job-1", "client-1", Terms with { BudgetUsd = 2000m }, "web-dev", T0.AddHours(2)));
        Assert.Equal(Refusals.JobNotOpen, error.Rule);
        Assert.Equal(1000m, job.State.Terms.BudgetUsd);
    }

    // ---------------------------------------------------------------- recording proposals

    [Fact]
    public void Recording_on_an_unposted_job_reports_not_found()
    {
        var job = new Job(new JobState());
        var result = job.Record("f-1", "job-1#1", Held, 8, T0);
        Assert.Equal(RecordOutcome.JobNotFound, result.Outcome);
        Assert.Null(result.Proposal);
        Assert.Empty(job.State.Proposals);
    }

    [Fact]
    public void Recording_charges_the_price_from_the_soonest_expiring_slices()
    {
        var job = Posted();
        var result = job.Record("f-1", "job-1#7", Held, 7, T0.AddMinutes(5));

        Assert.Equal(RecordOutcome.Recorded, result.Outcome);
        var proposal = Assert.IsType<Proposal>(result.Proposal);
        Assert.Equal("f-1", proposal.FreelancerId);
        Assert.Equal("job-1#7", proposal.HoldId);
        Assert.Equal(7, proposal.ConnectsCharged);
        Assert.Equal([new Slice(BucketSource.Monthly, 4, MonthEnd), new Slice(BucketSource.Purchase, 3, NextYear)], proposal.Charged);
        Assert.Equal(T0.AddMinutes(5), proposal.SubmittedAt);
        Assert.Equal(ProposalStatus.Active, proposal.Status);
        Assert.Null(proposal.RefundedAt);
        Assert.Same(proposal, job.FindProposal("f-1"));
    }

    [Fact]
    public void Recording_the_full_hold_charges_every_slice()
    {
        var job = Posted();
        var proposal = job.Record("f-1", "job-1#1", Held, 10, T0).Proposal;
        Assert.NotNull(proposal);
        Assert.Equal(Held, proposal.Charged);
    }

    [Fact]
    public void A_freelancer_has_only_one_proposal_per_job()
    {
        var job = Posted();
        var first = Record(job, "f-1", 8);

        var again = job.Record("f-1", "job-1#99", [new Slice(BucketSource.Purchase, 16, NextYear)], 5, T0.AddMinutes(9));

        Assert.Equal(RecordOutcome.AlreadyRecorded, again.Outcome);
        Assert.Same(first, again.Proposal);
        Assert.Single(job.State.Proposals);
        Assert.Equal(8, job.FindProposal("f-1")!.ConnectsCharged);
        Assert.Equal("job-1#f-1", job.FindProposal("f-1")!.HoldId);
    }

    [Fact]
    public void A_price_above_the_hold_is_not_recorded()
    {
        var job = Posted();
        var result = job.Record("f-1", "job-1#1", Held, 11, T0);
        Assert.Equal(RecordOutcome.PriceAboveHold, result.Outcome);
        Assert.Null(result.Proposal);
        Assert.Empty(job.State.Proposals);
    }

    [Fact]
    public void Recording_after_a_hire_reports_the_job_not_open()
    {
        var job = Posted();
        Record(job, "f-1");
        job.Hire("f-1", T0.AddDays(1));
        var result = job.Record("f-2", "job-1#2", Held, 8, T0.AddDays(2));
        Assert.Equal(RecordOutcome.JobNotOpen, result.Outcome);
        Assert.Null(job.FindProposal("f-2"));
    }

    [Theory]
    [InlineData(CancelReason.ClientCancelled)]
    [InlineData(CancelReason.RemovedByMarketplace)]
    public void Recording_after_a_cancellation_reports_the_job_not_open(CancelReason reason)
    {
        var job = Posted();
        job.Cancel(reason, T0.AddDays(1));
        var result = job.Record("f-2", "job-1#2", Held, 8, T0.AddDays(2));
        Assert.Equal(RecordOutcome.JobNotOpen, result.Outcome);
        Assert.Empty(job.State.Proposals);
    }

    // ---------------------------------------------------------------- resolving holds

    [Fact]
    public void Resolving_a_recorded_hold_returns_the_proposal()
    {
        var job = Posted();
        var proposal = Record(job, "f-1");
        var (recorded, newlyAborted) = job.ResolveHold("f-1", "job-1#f-1");
        Assert.Same(proposal, recorded);
        Assert.False(newlyAborted);
        Assert.Empty(job.State.AbortedHolds);
    }

    [Fact]
    public void Resolving_an_unrecorded_hold_aborts_it_for_good()
    {
        var job = Posted();

        var (recorded, newlyAborted) = job.ResolveHold("f-1", "job-1#3");
        Assert.Null(recorded);
        Assert.True(newlyAborted);

        var (again, abortedAgain) = job.ResolveHold("f-1", "job-1#3");
        Assert.Null(again);
        Assert.False(abortedAgain);

        var late = job.Record("f-1", "job-1#3", Held, 8, T0.AddMinutes(3));
        Assert.Equal(RecordOutcome.HoldAborted, late.Outcome);
        Assert.Null(late.Proposal);
        Assert.Null(job.FindProposal("f-1"));

        // A fresh hold from the same freelancer is still accepted.
        Assert.Equal(RecordOutcome.Recorded, job.Record("f-1", "job-1#4", Held, 8, T0.AddMinutes(4)).Outcome);
    }

    [Fact]
    public void Resolving_another_hold_of_a_freelancer_with_a_proposal_aborts_that_hold()
    {
        var job = Posted();
        var proposal = Record(job, "f-1");
        var (recorded, newlyAborted) = job.ResolveHold("f-1", "job-1#other");
        Assert.Null(recorded);
        Assert.True(newlyAborted);
        Assert.Same(proposal, job.FindProposal("f-1"));
        Assert.Equal(ProposalStatus.Active, proposal.Status);
    }

    // ---------------------------------------------------------------- withdraw, decline, hire

    [Fact]
    public void Withdrawing_an_active_proposal_is_final_and_repeatable()
    {
        var job = Posted();
        Record(job, "f-1");
        Assert.Equal(ProposalStatus.Withdrawn, job.Withdraw("f-1").Status);
        Assert.Equal(ProposalStatus.Withdrawn, job.Withdraw("f-1").Status);
        var decline = Assert.Throws<ConnectsRuleException>(() => job.Decline("f-1"));
        Assert.Equal(Refusals.ProposalNotActive, decline.Rule);
        Assert.Equal("freelancerId", decline.Field);
        Assert.Equal(Refusals.ProposalNotActive, Assert.Throws<ConnectsRuleException>(() => job.Hire("f-1", T0)).Rule);
        Assert.Equal(ProposalStatus.Withdrawn, job.FindProposal("f-1")!.Status);
        Assert.Equal(JobStatus.Open, job.State.Status);
    }

    [Fact]
    public void Declining_an_active_proposal_is_final_and_repeatable()
    {
        var job = Posted();
        Record(job, "f-1");
        Assert.Equal(ProposalStatus.Declined, job.Decline("f-1").Status);
        Assert.Equal(ProposalStatus.Declined, job.Decline("f-1").Status);
        Assert.Equal(Refusals.ProposalNotActive, Assert.Throws<ConnectsRuleException>(() => job.Withdraw("f-1")).Rule);
        Assert.Equal(Refusals.ProposalNotActive, Assert.Throws<ConnectsRuleException>(() => job.Hire("f-1", T0)).Rule);
        Assert.Equal(ProposalStatus.Declined, job.FindProposal("f-1")!.Status);
    }

    [Fact]
    public void Acting_on_a_missing_proposal_is_refused()
    {
        var job = Posted();
        Assert.Equal(Refusals.ProposalNotFound, Assert.Throws<ConnectsRuleException>(() => job.Withdraw("nobody")).Rule);
        Assert.Equal(Refusals.ProposalNotFound, Assert.Throws<ConnectsRuleException>(() => job.Decline("nobody")).Rule);
        Assert.Equal(Refusals.ProposalNotFound, Assert.Throws<ConnectsRuleException>(() => job.Hire("nobody", T0)).Rule);
        Assert.Equal(Refusals.ProposalNotFound, Assert.Throws<ConnectsRuleException>(() => job.MarkRefunded("nobody", T0)).Rule);
        Assert.Equal(JobStatus.Open, job.State.Status);
    }

    [Fact]
    public void Hiring_fills_the_job()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        var hiredAt = T0.AddDays(3);

        var hired = job.Hire("f-2", hiredAt);

        Assert.Equal(ProposalStatus.Hired, hired.Status);
        Assert.Equal(JobStatus.Filled, job.State.Status);
        Assert.Equal("f-2", job.State.HiredFreelancerId);
        Assert.Equal(hiredAt, job.State.ClosedAt);
        Assert.Equal(ProposalStatus.Active, job.FindProposal("f-1")!.Status);
        Assert.Empty(job.RefundsOwed());
    }

    [Fact]
    public void Hiring_the_same_freelancer_again_changes_nothing()
    {
        var job = Posted();
        Record(job, "f-1");
        var first = job.Hire("f-1", T0.AddDays(3));
        var again = job.Hire("f-1", T0.AddDays(4));
        Assert.Same(first, again);
        Assert.Equal(T0.AddDays(3), job.State.ClosedAt);
    }

    [Fact]
    public void Hiring_a_second_freelancer_on_a_filled_job_is_refused()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        job.Hire("f-1", T0.AddDays(3));
        var error = Assert.Throws<ConnectsRuleException>(() => job.Hire("f-2", T0.AddDays(4)));
        Assert.Equal(Refusals.JobNotOpen, error.Rule);
        Assert.Equal("f-1", job.State.HiredFreelancerId);
        Assert.Equal(ProposalStatus.Active, job.FindProposal("f-2")!.Status);
    }

    [Fact]
    public void Hiring_on_a_cancelled_job_is_refused()
    {
        var job = Posted();
        Record(job, "f-1");
        job.Cancel(CancelReason.ClientCancelled, T0.AddDays(1));
        Assert.Equal(Refusals.JobNotOpen, Assert.Throws<ConnectsRuleException>(() => job.Hire("f-1", T0.AddDays(2))).Rule);
        Assert.Equal(JobStatus.Cancelled, job.State.Status);
        Assert.Null(job.State.HiredFreelancerId);
    }

    // ---------------------------------------------------------------- cancel and refunds

    [Fact]
    public void Cancelling_an_open_job_owes_a_refund_to_every_proposal_not_withdrawn()
    {
        var job = Posted();
        var active = Record(job, "f-active", 8);
        var declined = Record(job, "f-declined", 5);
        Record(job, "f-withdrawn", 6);
        job.Decline("f-declined");
        job.Withdraw("f-withdrawn");
        Assert.Empty(job.RefundsOwed());
        var cancelledAt = T0.AddDays(2);

        Assert.True(job.Cancel(CancelReason.ClientCancelled, cancelledAt));

        Assert.Equal(JobStatus.Cancelled, job.State.Status);
        Assert.Equal(CancelReason.ClientCancelled, job.State.CancelReason);
        Assert.Equal(cancelledAt, job.State.ClosedAt);
        var owed = job.RefundsOwed().OrderBy(r => r.FreelancerId, StringComparer.Ordinal).ToList();
        Assert.Equal(["f-active", "f-declined"], owed.Select(r => r.FreelancerId));
        Assert.All(owed, r => Assert.Equal("job-1", r.JobId));
        Assert.All(owed, r => Assert.Equal(cancelledAt, r.CancelledAt));
        Assert.Equal(active.Charged, owed[0].Slices);
        Assert.Equal(8, owed[0].Amount);
        Assert.Equal(declined.Charged, owed[1].Slices);
        Assert.Equal(5, owed[1].Amount);
    }

    [Fact]
    public void A_client_cannot_cancel_a_filled_job()
    {
        var job = Posted();
        Record(job, "f-1");
        job.Hire("f-1", T0.AddDays(1));
        var error = Assert.Throws<ConnectsRuleException>(() => job.Cancel(CancelReason.ClientCancelled, T0.AddDays(2)));
        Assert.Equal("job-not-open", error.Rule);
        Assert.Equal(JobStatus.Filled, job.State.Status);
        Assert.Null(job.State.CancelReason);
        Assert.Equal(T0.AddDays(1), job.State.ClosedAt);
        Assert.Empty(job.RefundsOwed());
    }

    [Fact]
    public void The_marketplace_can_remove_a_filled_job_and_everyone_not_withdrawn_is_owed()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        Record(job, "f-3");
        job.Withdraw("f-3");
        job.Hire("f-1", T0.AddDays(1));

        Assert.True(job.Cancel(CancelReason.RemovedByMarketplace, T0.AddDays(2)));

        Assert.Equal(JobStatus.Removed, job.State.Status);
        Assert.Equal(CancelReason.RemovedByMarketplace, job.State.CancelReason);
        Assert.Equal(T0.AddDays(2), job.State.ClosedAt);
        Assert.Equal(["f-1", "f-2"], job.RefundsOwed().Select(r => r.FreelancerId).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(CancelReason.ClientCancelled, CancelReason.ClientCancelled)]
    [InlineData(CancelReason.ClientCancelled, CancelReason.RemovedByMarketplace)]
    [InlineData(CancelReason.RemovedByMarketplace, CancelReason.ClientCancelled)]
    [InlineData(CancelReason.RemovedByMarketplace, CancelReason.RemovedByMarketplace)]
    public void Cancelling_twice_is_a_no_op(CancelReason first, CancelReason second)
    {
        var job = Posted();
        Record(job, "f-1");
        Assert.True(job.Cancel(first, T0.AddDays(1)));
        var status = job.State.Status;

        Assert.False(job.Cancel(second, T0.AddDays(2)));

        Assert.Equal(status, job.State.Status);
        Assert.Equal(first, job.State.CancelReason);
        Assert.Equal(T0.AddDays(1), job.State.ClosedAt);
        Assert.Equal(T0.AddDays(1), Assert.Single(job.RefundsOwed()).CancelledAt);
    }

    [Fact]
    public void Marking_a_refund_removes_it_from_the_refunds_owed_once()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        job.Cancel(CancelReason.ClientCancelled, T0.AddDays(1));
        var refundedAt = T0.AddDays(1).AddMinutes(1);

        Assert.True(job.MarkRefunded("f-1", refundedAt));

        var proposal = job.FindProposal("f-1")!;
        Assert.Equal(ProposalStatus.Refunded, proposal.Status);
        Assert.Equal(refundedAt, proposal.RefundedAt);
        Assert.Equal("f-2", Assert.Single(job.RefundsOwed()).FreelancerId);

        Assert.False(job.MarkRefunded("f-1", refundedAt.AddMinutes(5)));
        Assert.Equal(refundedAt, proposal.RefundedAt);
        Assert.Equal(ProposalStatus.Refunded, proposal.Status);
        Assert.Single(job.RefundsOwed());

        Assert.True(job.MarkRefunded("f-2", refundedAt));
        Assert.Empty(job.RefundsOwed());
    }

    // ---------------------------------------------------------------- provisional records (one durable write per submission)

    [Fact]
    public void A_new_record_is_provisional_until_its_wallet_vouches_for_its_hold()
    {
        var job = Posted();
        var proposal = Record(job, "f-1");
        Assert.True(proposal.AwaitingWallet);
        Assert.True(job.HasUnvouched);

        Assert.False(job.Vouch("f-1", "job-1#other"));
        Assert.False(job.Vouch("f-2", "job-1#f-1"));
        Assert.True(proposal.AwaitingWallet);

        Assert.True(job.Vouch("f-1", "job-1#f-1"));
        Assert.False(proposal.AwaitingWallet);
        Assert.False(job.HasUnvouched);
        Assert.False(job.Vouch("f-1", "job-1#f-1"));
    }

    [Fact]
    public void A_record_stored_before_provisional_records_existed_counts_as_vouched()
    {
        var legacy = new Proposal { FreelancerId = "f-1", HoldId = "job-1#1", ConnectsCharged = 8, Charged = [.. Held], SubmittedAt = T0 };
        Assert.False(legacy.AwaitingWallet);
    }

    [Fact]
    public void Abandoning_a_provisional_record_removes_it_and_aborts_its_hold_for_good()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");

        Assert.Equal(AbandonOutcome.Removed, job.Abandon("f-1", "job-1#f-1"));

        Assert.Null(job.FindProposal("f-1"));
        Assert.NotNull(job.FindProposal("f-2"));
        Assert.Contains("job-1#f-1", job.State.AbortedHolds);
        Assert.Equal(RecordOutcome.HoldAborted, job.Record("f-1", "job-1#f-1", Held, 8, T0.AddMinutes(6)).Outcome);
        Assert.Equal(AbandonOutcome.AlreadyAborted, job.Abandon("f-1", "job-1#f-1"));
        // The freelancer's next hold is a new proposal.
        Assert.Equal(RecordOutcome.Recorded, job.Record("f-1", "job-1#f-1b", Held, 8, T0.AddMinutes(7)).Outcome);
    }

    [Fact]
    public void A_vouched_record_stands_when_its_hold_is_abandoned()
    {
        var job = Posted();
        var proposal = Record(job, "f-1");
        job.Vouch("f-1", "job-1#f-1");

        Assert.Equal(AbandonOutcome.Stands, job.Abandon("f-1", "job-1#f-1"));

        Assert.Same(proposal, job.FindProposal("f-1"));
        Assert.DoesNotContain("job-1#f-1", job.State.AbortedHolds);
    }

    [Fact]
    public void Abandoning_another_hold_aborts_that_hold_and_leaves_the_record()
    {
        var job = Posted();
        var proposal = Record(job, "f-1");

        Assert.Equal(AbandonOutcome.Aborted, job.Abandon("f-1", "job-1#other"));

        Assert.Same(proposal, job.FindProposal("f-1"));
        Assert.True(proposal.AwaitingWallet);
        Assert.Contains("job-1#other", job.State.AbortedHolds);
    }

    [Fact]
    public void Abandoning_the_hired_provisional_record_reopens_the_job()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        job.Hire("f-1", T0.AddDays(1));

        Assert.Equal(AbandonOutcome.Removed, job.Abandon("f-1", "job-1#f-1"));

        Assert.Equal(JobStatus.Open, job.State.Status);
        Assert.Null(job.State.HiredFreelancerId);
        Assert.Null(job.State.ClosedAt);
        Assert.Equal(ProposalStatus.Hired, job.Hire("f-2", T0.AddDays(2)).Status);
    }

    [Fact]
    public void Refunds_owed_carry_the_hold_and_whether_the_record_is_provisional_and_a_refunded_record_is_vouched()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        job.Vouch("f-2", "job-1#f-2");
        job.Cancel(CancelReason.ClientCancelled, T0.AddDays(1));

        var owed = job.RefundsOwed().OrderBy(r => r.FreelancerId, StringComparer.Ordinal).ToList();
        Assert.Equal([("job-1#f-1", true), ("job-1#f-2", false)], owed.Select(r => (r.HoldId, r.AwaitingWallet)));

        job.MarkRefunded("f-1", T0.AddDays(2));
        Assert.False(job.FindProposal("f-1")!.AwaitingWallet);
        Assert.Equal(AbandonOutcome.Stands, job.Abandon("f-1", "job-1#f-1"));
    }

    [Fact]
    public void A_provisional_record_the_wallet_never_paid_is_dropped_from_a_cancelled_jobs_refunds()
    {
        var job = Posted();
        Record(job, "f-1");
        Record(job, "f-2");
        job.Vouch("f-2", "job-1#f-2");
        job.Cancel(CancelReason.RemovedByMarketplace, T0.AddDays(1));

        Assert.Equal(AbandonOutcome.Removed, job.Abandon("f-1", "job-1#f-1"));

        Assert.Equal("f-2", Assert.Single(job.RefundsOwed()).FreelancerId);
        Assert.Equal(JobStatus.Removed, job.State.Status);
    }

    [Fact]
    public void The_provisional_records_are_the_ones_not_vouched_for()
    {
        var job = Posted();
        job.Record("f-1", "job-1#1", Held, 8, T0);
        job.Record("f-2", "job-1#2", Held, 8, T0.AddSeconds(30));
        job.Record("f-3", "job-1#3", Held, 8, T0);
        job.Vouch("f-3", "job-1#3");

        Assert.Equal([("f-1", "job-1#1"), ("f-2", "job-1#2")], job.Unvouched().Select(p => (p.FreelancerId, p.HoldId)).Order());
    }
}
