namespace Connects.Domain;

/// <summary>
/// The settle rule: what a wallet does when it meets a proposal half made, whoever brings it (a retry of the submission, a
/// job asking about a provisional record, an expired or left-over hold, a refund). Pure decisions; <see cref="ProposalProtocol"/>
/// carries them out.
/// <list type="bullet">
/// <item>The job's record is vouched: it stands. A hold the wallet still has for that job is captured if the record was made
/// with it, else released (<see cref="ForRecord"/>).</item>
/// <item>The record is provisional and made with the hold the wallet has: the job decides (it makes the record stand for good
/// and the wallet captures, or it has no record with that hold and aborts it for good and the wallet releases, <see cref="ForHeld"/>).</item>
/// <item>The record is provisional and the wallet has no such hold: the wallet looks for its payment (its state, then the
/// receipt books). Paid, it vouches and the record stands; never paid, it writes first (a fence: a dead activation's write of
/// that hold, still on its way, then fails on its stale ETag) and then the job abandons the record (<see cref="AfterLookUp"/>).</item>
/// <item>A hold the wallet has with no record known: the job decides, as above.</item>
/// </list>
/// </summary>
public static class Settlement
{
    /// <summary>The next step of a settlement.</summary>
    public enum Decision
    {
        /// <summary>Spend the wallet's hold at the price the job recorded; the proposal stands.</summary>
        CaptureHeld,
        /// <summary>Give the wallet's hold back.</summary>
        ReleaseHeld,
        /// <summary>The proposal stands and the wallet holds nothing more for the job.</summary>
        Stands,
        /// <summary>Ask the job to decide the wallet's hold (it has the only word on whether a record was made with it).</summary>
        AskJob,
        /// <summary>Look for the wallet's payment of the record's hold, archived receipts included.</summary>
        LookUpPayment,
        /// <summary>Tell the job the record's hold is durable or paid: the record stands.</summary>
        Vouch,
        /// <summary>Write the wallet (so no late write of the hold can land), then have the job drop the record and abort the hold.</summary>
        FenceThenAbandon,
    }

    /// <summary>The job has a record of this freelancer's proposal made with <paramref name="recordHoldId"/>, vouched or
    /// <paramref name="provisional"/>; the wallet has <paramref name="held"/> for that job, or nothing.</summary>
    public static Decision ForRecord(string recordHoldId, bool provisional, Hold? held) =>
        !provisional
            ? held is null ? Decision.Stands : held.HoldId == recordHoldId ? Decision.CaptureHeld : Decision.ReleaseHeld
            : held?.HoldId == recordHoldId ? Decision.AskJob : Decision.LookUpPayment;

    /// <summary>The job's word on a hold of the wallet: the record made with it (now standing for good), or none (the hold is
    /// aborted for good).</summary>
    public static Decision ForHeld(Hold held, Proposal? decided) =>
        decided?.HoldId == held.HoldId ? Decision.CaptureHeld : Decision.ReleaseHeld;

    /// <summary>What the wallet found of its payment of a provisional record's hold.</summary>
    public static Decision AfterLookUp(bool holdsOrPaid) => holdsOrPaid ? Decision.Vouch : Decision.FenceThenAbandon;
}
