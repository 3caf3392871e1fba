namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.GrantResult")]
public sealed record GrantResult([property: Id(0)] bool Created, [property: Id(1)] int Balance);
