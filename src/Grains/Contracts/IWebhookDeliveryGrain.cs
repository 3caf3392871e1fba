using Connects.Domain;
using Orleans.Concurrency;

namespace Connects.Contracts;

/// <summary>
/// Delivers the events of the types an endpoint subscribed to, at least once, in order per subject, signed; retries with
/// backoff and disables the endpoint once it has failed for the retry window. Kept going by a reminder, so another silo
/// takes over when the one delivering dies (docs/design.md, "Webhook delivery").
/// </summary>
[Alias("Connects.IWebhookDeliveryGrain")]
public interface IWebhookDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Starts delivering to <paramref name="endpoint"/> the events made from now on; nothing if already started.</summary>
    [Alias("Start")] Task Start(WebhookEndpoint endpoint);

    /// <summary>Stops delivering and forgets the delivery (the endpoint was removed). Interleaves with a delivery under
    /// way, which it ends first.</summary>
    [Alias("StopDelivering"), AlwaysInterleave] Task StopDelivering();

    /// <summary>Where the delivery runs and its most recent attempts, newest first; null if this endpoint's delivery was
    /// never started.</summary>
    [Alias("Report"), AlwaysInterleave] Task<DeliveryReport?> Report(int limit);

    /// <summary>Delivers again every event made at or after <paramref name="from"/>, then carries on; a disabled endpoint
    /// is enabled again. False if this endpoint's delivery was never started.</summary>
    [Alias("Replay"), AlwaysInterleave] Task<bool> Replay(DateTimeOffset from);
}
