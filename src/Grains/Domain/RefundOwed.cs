namespace Connects.Domain;

/// <summary>A refund the job owes a freelancer after a cancellation or removal. <see cref="SubmittedAt"/> (the proposal's)
/// tells the wallet from which year on its paid receipt can be archived; null from a silo of before it.</summary>
[GenerateSerializer, Immutable, Alias("Connects.RefundOwed")]
public sealed record RefundOwed(
    [property: Id(0)] string JobId,
    [property: Id(1)] string FreelancerId,
    [property: Id(2)] IReadOnlyList<Slice> Slices,
    [property: Id(3)] DateTimeOffset CancelledAt,
    [property: Id(4)] string HoldId = "",
    [property: Id(5)] bool AwaitingWallet = false,
    [property: Id(6)] DateTimeOffset? SubmittedAt = null)
{
    public int Amount => Slices.Sum(s => s.Amount);
}
