using Polly.Contrib.WaitAndRetry;

namespace Connects.Domain;

/// <summary>
/// Where an endpoint's delivery stands in the events table: after the row at (<see cref="TxId"/>, <see cref="Position"/>)
/// in the order the table's transactions finished (docs/design.md, "Webhook delivery"). On SQLite <see cref="TxId"/> is 0.
/// </summary>
[GenerateSerializer, Immutable, Alias("Connects.FeedCursor")]
public readonly record struct FeedCursor([property: Id(0)] long TxId, [property: Id(1)] long Position);

/// <summary>An event as the delivery reads it: where it stands in the table, and the event.</summary>
public sealed record FeedEvent(FeedCursor At, ConnectsEvent Event);

/// <summary>One attempt to deliver an event to an endpoint: when, the HTTP status if there was an answer, and why it
/// failed if it did.</summary>
[GenerateSerializer, Immutable, Alias("Connects.DeliveryAttempt")]
public sealed record DeliveryAttempt(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Subject,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] bool Delivered,
    [property: Id(5)] int? Status,
    [property: Id(6)] string? Error,
    [property: Id(7)] int Attempt);

/// <summary>An endpoint's delivery as admins see it: the silo delivering (host:port), and the recent attempts, newest first.</summary>
[GenerateSerializer, Immutable, Alias("Connects.DeliveryReport")]
public sealed record DeliveryReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] IReadOnlyList<DeliveryAttempt> Attempts);

/// <summary>What one POST to an endpoint came to.</summary>
public sealed record SendOutcome(bool Delivered, int? Status, string? Error);

/// <summary>An endpoint's delivery, stored: the endpoint, the cursor, since when it has been failing, and its recent attempts.</summary>
[GenerateSerializer, Alias("Connects.WebhookDeliveryState")]
public sealed class WebhookDeliveryState
{
    [Id(0)] public WebhookEndpoint? Endpoint { get; set; }
    [Id(1)] public FeedCursor Cursor { get; set; }
    [Id(2)] public DateTimeOffset? FailingSince { get; set; }
    [Id(3)] public int Failures { get; set; }
    [Id(4)] public List<DeliveryAttempt> Recent { get; set; } = [];
    [Id(5)] public DateTimeOffset? DisabledAt { get; set; }
    [Id(6)] public long Disables { get; set; }
}

/// <summary>
/// The delivery's rules, plain: when to try again after failures (exponential backoff with jitter, Polly's decorrelated
/// jitter, capped), when an endpoint that keeps failing is disabled, and which events an endpoint is sent.
/// </summary>
public static class WebhookDelivery
{
    /// <summary>The event type that says an endpoint was disabled; its subject is <see cref="SubjectOf"/> the endpoint.</summary>
    public const string Disabled = "connects.webhook.disabled";

    /// <summary>The delivery's own event types (an endpoint may subscribe to them like to any other).</summary>
    public static readonly IReadOnlyList<string> Types = [Disabled];

    /// <summary>An endpoint's events in the events table: apart from any freelancer's or job's (ids have no colon).</summary>
    public static string SubjectOf(string endpointId) => "webhook:" + endpointId;

    /// <summary>How long to wait after the <paramref name="failures"/>-th failure in a row before trying again: about
    /// <paramref name="first"/> doubled each time, jittered, never more than <paramref name="longest"/>.</summary>
    public static TimeSpan RetryDelay(int failures, TimeSpan first, TimeSpan longest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        // Past about 30 doublings any delay is over the cap; the jittered sequence is drawn afresh each time.
        var delay = Backoff.DecorrelatedJitterBackoffV2(first, Math.Min(failures, 30)).Last();
        return delay > longest ? longest : delay;
    }

    /// <summary>Whether an endpoint failing since <paramref name="failingSince"/> has failed for the whole retry window.</summary>
    public static bool GivesUp(DateTimeOffset failingSince, DateTimeOffset now, TimeSpan window) => now - failingSince >= window;

    /// <summary>Whether <paramref name="endpoint"/> is sent <paramref name="e"/>: it subscribed to its type, and the event
    /// is not the one saying this very endpoint was disabled.</summary>
    public static bool IsFor(WebhookEndpoint endpoint, ConnectsEvent e) =>
        endpoint.Types.Contains(e.Type) && e.Subject != SubjectOf(endpoint.Id);

    /// <summary>The event saying an endpoint was disabled (the <paramref name="number"/>-th time), made at <paramref name="now"/>.</summary>
    public static ConnectsEvent DisabledEvent(WebhookEndpoint endpoint, long number, DateTimeOffset failingSince, DateTimeOffset now) =>
        new($"webhook:{endpoint.Id}:{number}", Disabled, SubjectOf(endpoint.Id), number, now, JobEvents.NoLedgerKind, 0, 0, endpoint.Url,
            $"Disabled after failing since {failingSince:O}.");

    /// <summary>Keeps the most recent <paramref name="keep"/> attempts, adding <paramref name="attempts"/>.</summary>
    public static void Remember(List<DeliveryAttempt> recent, IEnumerable<DeliveryAttempt> attempts, int keep)
    {
        recent.AddRange(attempts);
        if (recent.Count > keep) recent.RemoveRange(0, recent.Count - keep);
    }
}
