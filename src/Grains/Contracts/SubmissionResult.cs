namespace Connects.Contracts;

/// <remarks>Id 6 (the job's status when not open, which nothing read) is retired: never reuse it.</remarks>
[GenerateSerializer, Immutable, Alias("Connects.SubmissionResult")]
public sealed record SubmissionResult(
    [property: Id(0)] SubmissionOutcome Outcome,
    [property: Id(1)] int ConnectsCharged = 0,
    [property: Id(2)] int Balance = 0,
    [property: Id(3)] int ConnectsRequired = 0,
    [property: Id(4)] int Available = 0,
    [property: Id(5)] DateTimeOffset? NextRefreshAt = null,
    [property: Id(7)] int BoostBid = 0,
    [property: Id(8)] bool Boosted = false,
    // BidRefused: the proposal stands but its bid was refused (the auction closed meanwhile, say): why; BoostBid is then the
    // bid the proposal holds now (bid-not-higher's current bid).
    [property: Id(9)] Domain.BidOutcome? BidRefused = null,
    // Displaced: the bid pushed a winner out, whose return is owed (delivered at once by the API).
    [property: Id(10)] bool Displaced = false);
