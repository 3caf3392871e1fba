using Connects.Domain;

namespace Connects.Tests.Domain;

/// <summary>The delivery's plain rules: backoff, giving up, which events an endpoint is sent, the attempts kept.</summary>
public sealed class WebhookDeliveryRulesTests
{
    private static readonly WebhookEndpoint Endpoint = new("wh_1", "https://hooks.example.com/c", ["connects.ledger.refunded", WebhookDelivery.Disabled], "whsec_x", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Retries_wait_longer_as_failures_go_on_never_longer_than_the_cap_and_never_alike()
    {
        var first = TimeSpan.FromSeconds(5);
        var cap = TimeSpan.FromHours(1);
        var early = Enumerable.Range(0, 200).Select(_ => WebhookDelivery.RetryDelay(1, first, cap)).ToList();
        var later = Enumerable.Range(0, 200).Select(_ => WebhookDelivery.RetryDelay(6, first, cap)).ToList();
        Assert.All(early.Concat(later), d => Assert.InRange(d, TimeSpan.Zero, cap));
        Assert.True(later.Average(d => d.TotalSeconds) > 4 * early.Average(d => d.TotalSeconds), "the delay grows about exponentially");
        Assert.True(early.Distinct().Count() > 100, "jittered: retries of many endpoints do not line up");
        Assert.All(Enumerable.Range(0, 50).Select(_ => WebhookDelivery.RetryDelay(1000, first, cap)), d => Assert.Equal(cap, d));
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookDelivery.RetryDelay(0, first, cap));
    }

    [Fact]
    public void An_endpoint_gives_up_only_once_it_has_failed_for_the_whole_window()
    {
        var since = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var window = TimeSpan.FromDays(3);
        Assert.False(WebhookDelivery.GivesUp(since, since + window - TimeSpan.FromSeconds(1), window));
        Assert.True(WebhookDelivery.GivesUp(since, since + window, window));
    }

    [Fact]
    public void An_endpoint_is_sent_its_types_but_never_the_event_of_its_own_disabling()
    {
        var refund = new ConnectsEvent("wallet:ada:3", "connects.ledger.refunded", "ada", 3, DateTimeOffset.UnixEpoch, LedgerKind.Refund, 6, 70, "proposal:j", null);
        var spend = refund with { Id = "wallet:ada:2", Type = "connects.ledger.spent" };
        Assert.True(WebhookDelivery.IsFor(Endpoint, refund));
        Assert.False(WebhookDelivery.IsFor(Endpoint, spend));

        var own = WebhookDelivery.DisabledEvent(Endpoint, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));
        var other = WebhookDelivery.DisabledEvent(Endpoint with { Id = "wh_2" }, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));
        Assert.False(WebhookDelivery.IsFor(Endpoint, own));
        Assert.True(WebhookDelivery.IsFor(Endpoint, other));
        Assert.Equal("webhook:wh_2", other.Subject);
        Assert.Equal(other.Id, WebhookDelivery.DisabledEvent(Endpoint with { Id = "wh_2" }, 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(4)).Id);
    }

    [Fact]
    public void The_delivery_settings_default_to_what_docs_operations_says()
    {
        var d = new Connects.Grains.WebhookDeliverySettings();
        Assert.Equal((TimeSpan.FromSeconds(1), 500, 16, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)),
            (d.PollInterval, d.BatchSize, d.Parallelism, d.CursorWriteInterval, d.AttemptTimeout));
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), TimeSpan.FromDays(3), 200),
            (d.FirstRetryDelay, d.LongestRetryDelay, d.RetryWindow, d.RecentAttempts));
    }

    [Fact]
    public void Only_the_most_recent_attempts_are_kept()
    {
        var recent = new List<DeliveryAttempt>();
        DeliveryAttempt Attempt(int i) => new($"e{i}", "t", "s", DateTimeOffset.UnixEpoch.AddSeconds(i), true, 204, null, 1);
        WebhookDelivery.Remember(recent, Enumerable.Range(0, 7).Select(Attempt), keep: 5);
        WebhookDelivery.Remember(recent, [Attempt(7)], keep: 5);
        Assert.Equal(["e3", "e4", "e5", "e6", "e7"], recent.Select(a => a.EventId));
    }
}
