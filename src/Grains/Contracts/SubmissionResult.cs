using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.SubmissionResult")]
public sealed record SubmissionResult(
    [property: Id(0)] SubmissionOutcome Outcome,
    [property: Id(1)] int ConnectsCharged = 0,
    [property: Id(2)] int Balance = 0,
    [property: Id(3)] int ConnectsRequired = 0,
    [property: Id(4)] int Available = 0,
    [property: Id(5)] DateTimeOffset? NextRefreshAt = null,
    [property: Id(6)] JobStatus? JobStatus = null);
