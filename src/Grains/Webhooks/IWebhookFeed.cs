using Connects.Domain;

namespace Connects.Grains;

/// <summary>The events table as webhook delivery reads it: in the order its transactions finished, after a cursor.</summary>
public interface IWebhookFeed
{
    /// <summary>Where a delivery starting now begins: after every event already finished.</summary>
    Task<FeedCursor> Head();

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="cursor"/>, in order; only those whose
    /// transaction finished before any still running, so nothing can later appear behind them.</summary>
    Task<IReadOnlyList<FeedEvent>> Read(FeedCursor cursor, int limit);

    /// <summary>The cursor just before the first event (in delivery order) made at or after <paramref name="from"/>;
    /// <see cref="Head"/> if there is none.</summary>
    Task<FeedCursor> Before(DateTimeOffset from);
}

/// <summary>Sends one event to one endpoint, signed (Standard Webhooks), as CloudEvents 1.0 JSON.</summary>
public interface IWebhookSender
{
    Task<SendOutcome> Send(WebhookEndpoint endpoint, ConnectsEvent e, CancellationToken cancellationToken);
}
