using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.JobQuote")]
public sealed record JobQuote([property: Id(0)] bool Posted, [property: Id(1)] JobStatus Status, [property: Id(2)] ConnectPrice? Price);
