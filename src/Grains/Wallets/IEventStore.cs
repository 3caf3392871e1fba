using Connects.Domain;

namespace Connects.Grains;

/// <summary>
/// The events table: every recorded event, one row per event id, in sequence per subject. Kept outside grain state, so
/// events waiting for a reader or a delivery cost no memory. Recording is idempotent: an event already there is left as it is.
/// </summary>
public interface IEventStore
{
    /// <summary>Records the events (of one subject, in sequence); those already recorded are left unchanged.</summary>
    Task Record(IReadOnlyList<ConnectsEvent> events);

    /// <summary>The highest sequence recorded for <paramref name="subject"/>, or null if none is.</summary>
    Task<long?> LastSequence(string subject);

    /// <summary>Up to <paramref name="limit"/> events of <paramref name="subject"/> after sequence <paramref name="after"/>, in sequence.</summary>
    Task<IReadOnlyList<ConnectsEvent>> Read(string subject, long after, int limit);
}
