using Connects.Domain;

namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.PurchaseResult")]
public sealed record PurchaseResult([property: Id(0)] bool Created, [property: Id(1)] PurchaseReceipt Receipt);
