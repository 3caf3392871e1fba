using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.JobPosting")]
public sealed record JobPosting(
    [property: Id(0)] string ClientId,
    [property: Id(1)] JobTerms Terms,
    [property: Id(2)] string Category);
