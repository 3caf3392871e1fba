namespace Connects.Domain;

/// <summary>
/// A job's events, subject the job id, numbered per job: posted, its price changed by an edit of its terms, closed
/// (filled, cancelled or removed: the status says which). Each is added to the job's state (its outbox,
/// <see cref="JobState.PendingEvents"/>) by the change that makes it, so it is stored in that change's write, then copied
/// to the events table (docs/design.md, "Events").
/// </summary>
public static class JobEvents
{
    public const string Posted = "connects.job.posted";
    public const string PriceChanged = "connects.job.price-changed";
    public const string Closed = "connects.job.closed";

    /// <summary>The job's event types.</summary>
    public static readonly IReadOnlyList<string> Types = [Posted, PriceChanged, Closed];

    /// <summary>The kind of a job's event: it is no ledger entry.</summary>
    public const LedgerKind NoLedgerKind = (LedgerKind)(-1);

    /// <summary>The event id of a job's event: unique across subjects, the same every time it is made.</summary>
    public static string IdOf(string jobId, long sequence) => $"job:{jobId}:{sequence}";

    /// <summary>Where a job's events are kept in the events table: apart from any freelancer's (ids have no colon).</summary>
    public static string StreamOf(string jobId) => "job:" + jobId;

    /// <summary>Adds the job's next event to its outbox.</summary>
    public static ConnectsEvent Add(JobState state, string type, int? priceBefore, int? priceAfter, string? note, DateTimeOffset now)
    {
        var sequence = ++state.EventSequence;
        var e = new ConnectsEvent(IdOf(state.JobId, sequence), type, state.JobId, sequence, now, NoLedgerKind, 0, 0, state.ClientId, note,
            new JobChange(state.Status, priceBefore, priceAfter));
        (state.PendingEvents ??= []).Add(e);
        return e;
    }

    /// <summary>Drops from the outbox the events up to <paramref name="sequence"/>, now in the events table.</summary>
    public static void Recorded(JobState state, long sequence)
    {
        if (state.PendingEvents is not { } pending) return;
        pending.RemoveAll(e => e.Sequence <= sequence);
        if (pending.Count == 0) state.PendingEvents = null;
    }

    /// <summary>The events of the outbox stored up to <paramref name="storedThrough"/> (the last sequence of the job's last
    /// stored write), in sequence: those that may be copied to the table.</summary>
    public static IReadOnlyList<ConnectsEvent> Stored(JobState state, long storedThrough) =>
        state.PendingEvents?.Where(e => e.Sequence <= storedThrough).ToList() ?? [];
}

/// <summary>Every event type a webhook may subscribe to: the wallet's, the job's, and the delivery's own (an endpoint disabled).</summary>
public static class EventTypes
{
    public static readonly IReadOnlyList<string> All = [.. WalletEvents.Types, .. JobEvents.Types, .. WebhookDelivery.Types];
}
