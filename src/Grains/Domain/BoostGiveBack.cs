namespace Connects.Domain;

/// <summary>
/// A boost bid the job owes back to its freelancer: the Connects of one holding (<see cref="Generation"/>: the freelancer's
/// n-th entry into the top spots on this job), with the sources and expiries they were taken from. Delivered by the
/// <c>CancellationGrain</c>, applied once by the wallet (receipt <see cref="ReceiptKeys.BoostBack"/>), then marked on the job.
/// </summary>
[GenerateSerializer, Immutable, Alias("Connects.BoostGiveBack")]
public sealed record BoostGiveBack(
    [property: Id(0)] string FreelancerId,
    [property: Id(1)] int Generation,
    [property: Id(2)] IReadOnlyList<Slice> Slices,
    [property: Id(3)] GiveBackKind Kind,
    [property: Id(4)] DateTimeOffset OwedAt)
{
    public int Amount => Slices.Sum(s => s.Amount);
}
