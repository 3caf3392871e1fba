using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.JobPosted")]
public sealed record JobPosted([property: Id(0)] bool Created, [property: Id(1)] JobView Job);
