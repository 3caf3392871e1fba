namespace Connects.Contracts;

[GenerateSerializer, Immutable, Alias("Connects.RefundMade")]
public sealed record RefundMade([property: Id(0)] string FreelancerId, [property: Id(1)] int Connects, [property: Id(2)] DateTimeOffset RefundedAt);
