using System.ComponentModel.DataAnnotations;

namespace Connects.Grains;

/// <summary>Connects:Webhooks:Delivery: how events reach webhook endpoints (docs/operations.md lists each with its default).</summary>
public sealed class WebhookDeliverySettings : IValidatableObject
{
    public const string Section = "Connects:Webhooks:Delivery";

    /// <summary>The delivery's own clock (keyed service): when to retry and when an endpoint has failed for the whole
    /// window. The system clock; tests replace it to cover days of failure.</summary>
    public const string ClockKey = "webhook-delivery";

    /// <summary>How often an endpoint's delivery looks for new events once it has caught up. Each poll is a read of the
    /// events table and a wave of POSTs; on PostgreSQL under S1 load, polls every 250 ms cost S1 more throughput than
    /// polls every 1-2 s (docs/performance.md, S1E).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events read from the table at a time; the cursor moves past them once every one is delivered.</summary>
    [Range(1, 5000)] public int BatchSize { get; set; } = 500;

    /// <summary>Longest the stored cursor may lag the delivered events: a crash sends at most this much again. A cursor
    /// write per batch cost a state write every few milliseconds under load.</summary>
    public TimeSpan CursorWriteInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Subjects delivered at once to an endpoint (each subject's events one after another, in order).</summary>
    [Range(1, 256)] public int Parallelism { get; set; } = 16;

    /// <summary>Longest one POST may take before it counts as failed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>About how long the first retry waits; each further failure in a row about doubles it, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between retries.</summary>
    public TimeSpan LongestRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An endpoint that has failed for this long without one delivery is disabled, and an event says so.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Attempts kept per endpoint for GET /v1/admin/webhooks/{id}/deliveries.</summary>
    [Range(1, 10_000)] public int RecentAttempts { get; set; } = 200;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(1))
            yield return new ValidationResult("PollInterval must be between 00:00:00.01 and 00:01:00.", [nameof(PollInterval)]);
        if (CursorWriteInterval < TimeSpan.Zero || CursorWriteInterval > TimeSpan.FromMinutes(1))
            yield return new ValidationResult("CursorWriteInterval must be between 00:00:00 and 00:01:00.", [nameof(CursorWriteInterval)]);
        if (AttemptTimeout < TimeSpan.FromMilliseconds(100) || AttemptTimeout > TimeSpan.FromMinutes(5))
            yield return new ValidationResult("AttemptTimeout must be between 00:00:00.1 and 00:05:00.", [nameof(AttemptTimeout)]);
        if (FirstRetryDelay < TimeSpan.FromMilliseconds(10) || FirstRetryDelay > LongestRetryDelay)
            yield return new ValidationResult("FirstRetryDelay must be at least 00:00:00.01 and at most LongestRetryDelay.", [nameof(FirstRetryDelay)]);
        if (LongestRetryDelay > RetryWindow)
            yield return new ValidationResult("LongestRetryDelay must not be longer than RetryWindow.", [nameof(LongestRetryDelay)]);
        if (RetryWindow < TimeSpan.FromMinutes(1) || RetryWindow > TimeSpan.FromDays(30))
            yield return new ValidationResult("RetryWindow must be between 00:01:00 and 30.00:00:00.", [nameof(RetryWindow)]);
    }
}
