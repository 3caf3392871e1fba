using Connects.Domain;
using Decision = Connects.Domain.Settlement.Decision;

namespace Connects.Tests.Domain;

/// <summary>The settle rule's decisions, one case per branch (the protocol that carries them out: ProtocolPropertyTests).</summary>
public sealed class SettlementTests
{
    private static readonly DateTimeOffset T0 = new(2027, 4, 1, 12, 0, 0, TimeSpan.Zero);

    private static Hold Holding(string holdId) => new()
    {
        HoldId = holdId,
        JobId = "job-1",
        Slices = [new Slice(BucketSource.Monthly, 5, T0.AddDays(20))],
        CreatedAt = T0,
        ExpiresAt = T0.AddMinutes(2),
    };

    private static Proposal Recorded(string holdId) => new()
    {
        FreelancerId = "f1",
        HoldId = holdId,
        ConnectsCharged = 5,
        Charged = [new Slice(BucketSource.Monthly, 5, T0.AddDays(20))],
        SubmittedAt = T0,
    };

    [Theory]
    [InlineData(false, null, Decision.Stands)]          // vouched, nothing held: it stands
    [InlineData(false, "job-1#1", Decision.CaptureHeld)] // vouched, its hold still held (the capture was cut short): capture
    [InlineData(false, "job-1#2", Decision.ReleaseHeld)] // vouched, another attempt's hold held: give that back
    [InlineData(true, "job-1#1", Decision.AskJob)]       // provisional, its hold held: the job decides
    [InlineData(true, "job-1#2", Decision.LookUpPayment)] // provisional, another hold held: did this wallet pay the record's?
    [InlineData(true, null, Decision.LookUpPayment)]     // provisional, nothing held: did it pay?
    public void A_record_of_the_job_is_settled_by_what_the_wallet_holds(bool provisional, string? heldId, Decision expected) =>
        Assert.Equal(expected, Settlement.ForRecord("job-1#1", provisional, heldId is null ? null : Holding(heldId)));

    [Fact]
    public void The_jobs_word_on_a_held_hold_captures_it_only_when_the_record_names_that_hold()
    {
        Assert.Equal(Decision.CaptureHeld, Settlement.ForHeld(Holding("job-1#1"), Recorded("job-1#1")));
        Assert.Equal(Decision.ReleaseHeld, Settlement.ForHeld(Holding("job-1#1"), Recorded("job-1#2")));
        Assert.Equal(Decision.ReleaseHeld, Settlement.ForHeld(Holding("job-1#1"), null));
    }

    [Fact]
    public void A_provisional_record_stands_if_the_wallet_holds_or_paid_its_hold_else_it_is_fenced_and_abandoned()
    {
        Assert.Equal(Decision.Vouch, Settlement.AfterLookUp(holdsOrPaid: true));
        Assert.Equal(Decision.FenceThenAbandon, Settlement.AfterLookUp(holdsOrPaid: false));
    }
}
