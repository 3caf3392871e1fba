using Connects.Domain;

namespace Connects.Contracts;

/// <summary>A job's price now, and the asking freelancer's proposal if the job has one.</summary>
[GenerateSerializer, Immutable, Alias("Connects.JobQuote")]
public sealed record JobQuote(
    [property: Id(0)] bool Posted,
    [property: Id(1)] JobStatus Status,
    [property: Id(2)] ConnectPrice? Price,
    [property: Id(3)] Proposal? Proposal = null,
    // Invited: the asking freelancer was invited, so the proposal itself costs 0.
    [property: Id(4)] bool Invited = false);
