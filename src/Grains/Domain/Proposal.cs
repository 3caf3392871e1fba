namespace Connects.Domain;

[GenerateSerializer, SuppressReferenceTracking, Alias("Connects.Proposal")]
public sealed record Proposal
{
    [Id(0)] public required string FreelancerId { get; init; }
    [Id(1)] public required string HoldId { get; init; }
    [Id(2)] public required int ConnectsCharged { get; init; }
    /// <summary>The Connects charged, with the source and expiry they came from (a refund restores them).</summary>
    [Id(3)] public required List<Slice> Charged { get; init; }
    [Id(4)] public required DateTimeOffset SubmittedAt { get; init; }
    [Id(5)] public ProposalStatus Status { get; set; } = ProposalStatus.Active;
    [Id(6)] public DateTimeOffset? RefundedAt { get; set; }
    /// <summary>Set when the job is cancelled or removed while this proposal stood (not withdrawn): the refund is owed from then on.</summary>
    [Id(7)] public bool RefundOwed { get; set; }
    /// <summary>
    /// Provisional: the job recorded it while the wallet was still writing the hold behind it, so it stands only once
    /// the wallet vouches that the hold is durable (or already captured). Records stored before this field existed read
    /// false, i.e. vouched: their wallets wrote the hold before asking the job to record.
    /// </summary>
    [Id(8)] public bool AwaitingWallet { get; set; }
}
