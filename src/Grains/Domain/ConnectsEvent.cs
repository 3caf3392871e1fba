namespace Connects.Domain;

/// <summary>
/// One change as the web tier hears of it (a CloudEvents 1.0 event on the wire): made from a durable ledger entry, so it
/// exists exactly when its change does. <see cref="Id"/> is stable (the subject and its sequence), so a redelivery or a
/// second recording of it is the same event. A job's event (<see cref="JobEvents"/>) carries <see cref="Job"/>, its
/// <see cref="Kind"/> is <see cref="JobEvents.NoLedgerKind"/> and its amount and balance 0.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("Connects.ConnectsEvent")]
public sealed record ConnectsEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string Subject,
    [property: Id(3)] long Sequence,
    [property: Id(4)] DateTimeOffset Time,
    [property: Id(5)] LedgerKind Kind,
    [property: Id(6)] int Amount,
    [property: Id(7)] int BalanceAfter,
    [property: Id(8)] string Reference,
    [property: Id(9)] string? Note,
    [property: Id(10)] JobChange? Job = null)
{
    /// <summary>The CloudEvents <c>source</c> of every event: this service.</summary>
    public const string Source = "urn:connects";
}

/// <summary>What a job's event says: the job's status after it, and its price in Connects before and after (null where
/// it does not apply: no price before a posting; a closing leaves the price as it was, given as both).</summary>
[GenerateSerializer, Immutable, Alias("Connects.JobChange")]
public sealed record JobChange(
    [property: Id(0)] JobStatus Status,
    [property: Id(1)] int? PriceBefore,
    [property: Id(2)] int? PriceAfter);
