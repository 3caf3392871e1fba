using System.Diagnostics;
using Connects.Contracts;
using Connects.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// Delivers one endpoint's events (docs/design.md, "Webhook delivery"). A grain timer reads the events table after the
/// endpoint's stored cursor, a batch at a time, and sends the batch's events of the endpoint's types: subjects side by
/// side, each subject's events one after another, a later one only once the earlier is acknowledged. The cursor moves past
/// the batch only once every one of them is delivered, and is written at most every
/// <see cref="WebhookDeliverySettings.CursorWriteInterval"/>, so a crash means redelivery (same ids), never a loss. A failure waits a backoff (<see cref="WebhookDelivery.RetryDelay"/>) and resends only what is not delivered; an
/// endpoint failing for the whole retry window is disabled and an event says so. A reminder keeps the grain active, so
/// when the silo delivering dies the grain is activated on another silo and carries on from the stored cursor.
/// </summary>
// CA1001: _stop is disposed in OnDeactivateAsync, the end of an activation's life.
#pragma warning disable CA1001
public sealed partial class WebhookDeliveryGrain(
    [PersistentState("delivery", ConnectsStorage.Name)] IPersistentState<WebhookDeliveryState> stored,
    IWebhookFeed feed,
    IWebhookSender sender,
    IEventStore events,
    IOptions<WebhookDeliverySettings> options,
    [FromKeyedServices(WebhookDeliverySettings.ClockKey)] TimeProvider deliveryClock,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider connectsClock,
    ILocalSiloDetails silo,
    ILogger<WebhookDeliveryGrain> logger) : Grain, IWebhookDeliveryGrain, IRemindable
{
#pragma warning restore CA1001
    private const string Reminder = "deliver";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    /// <summary>Longest a tick keeps delivering batches before it lets other calls in.</summary>
    private static readonly TimeSpan TickBudget = TimeSpan.FromSeconds(2);

    private WebhookDeliverySettings Settings => options.Value;
    private WebhookDeliveryState State => stored.State;

    private IGrainTimer? _timer;
    private Task? _tick;
    private readonly CancellationTokenSource _stop = new();
    /// <summary>The batch being delivered: read once, then resent until every event of it is delivered.</summary>
    private IReadOnlyList<FeedEvent>? _batch;
    private readonly Dictionary<string, int> _tries = [];
    private readonly HashSet<string> _delivered = [];
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private FeedCursor? _replayFrom;
    /// <summary>When the state was last written (a Stopwatch timestamp), and whether the cursor moved since.</summary>
    private long _written = Stopwatch.GetTimestamp();
    private bool _unwritten;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Endpoint is not null) StartTimer();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var stopped = _stop.IsCancellationRequested;
        _stop.Cancel();
        if (_tick is { IsCompleted: false } running) await running.ContinueWith(_ => { }, TaskScheduler.Current);
        _stop.Dispose();
        // A graceful deactivation keeps the cursor's progress; a crash sends those events again.
        if (_unwritten && !stopped && State.Endpoint is not null) await Write();
    }

    private async Task Write()
    {
        await stored.WriteStateAsync();
        (_written, _unwritten) = (Stopwatch.GetTimestamp(), false);
    }

    public async Task Start(WebhookEndpoint endpoint)
    {
        if (State.Endpoint is null)
        {
            State.Endpoint = endpoint;
            State.Cursor = await feed.Head();
            await stored.WriteStateAsync();
        }
        await this.RegisterOrUpdateReminder(Reminder, ReminderPeriod, ReminderPeriod);
        StartTimer();
    }

    public async Task StopDelivering()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _timer?.Dispose();
        while (_tick is { IsCompleted: false } running) await running.ContinueWith(_ => { }, TaskScheduler.Current);
        if (await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
        await stored.ClearStateAsync();
        this.DeactivateOnIdle();
    }

    public Task<DeliveryReport?> Report(int limit) => Task.FromResult(State.Endpoint is null ? null
        : new DeliveryReport(silo.SiloAddress.Endpoint.ToString(), [.. State.Recent.AsEnumerable().Reverse().Take(limit)]));

    public async Task<bool> Replay(DateTimeOffset from)
    {
        if (State.Endpoint is null) return false;
        _replayFrom = await feed.Before(from);
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (State.Endpoint is null && !_stop.IsCancellationRequested)
        {
            if (await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
            this.DeactivateOnIdle();
        }
    }

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(Tick,
        new GrainTimerCreationOptions(TimeSpan.Zero, Settings.PollInterval) { Interleave = false, KeepAlive = true });

    private Task Tick(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested) return Task.CompletedTask;
        return _tick = Deliver();
    }

    private async Task Deliver()
    {
        if (State.Endpoint is not { } endpoint) return;
        if (_replayFrom is { } from) await BeginReplay(endpoint, from);
        if (State.DisabledAt is not null || deliveryClock.GetUtcNow() < _retryAt) return;

        var spent = Stopwatch.StartNew();
        while (spent.Elapsed < TickBudget && !_stop.IsCancellationRequested && _replayFrom is null)
        {
            _batch ??= await feed.Read(State.Cursor, Settings.BatchSize);
            if (_batch.Count == 0)
            {
                _batch = null;
                // Caught up and idle: the cursor's last moves are stored once the interval has passed.
                if (_unwritten && Stopwatch.GetElapsedTime(_written) >= Settings.CursorWriteInterval) await Write();
                return;
            }
            var attempts = await Send(endpoint, [.. _batch.Where(e => !_delivered.Contains(e.Event.Id) && WebhookDelivery.IsFor(endpoint, e.Event))]);
            if (_stop.IsCancellationRequested) return;
            WebhookDelivery.Remember(State.Recent, attempts, Settings.RecentAttempts);
            if (attempts.All(a => a.Delivered) && _batch.All(e => _delivered.Contains(e.Event.Id) || !WebhookDelivery.IsFor(endpoint, e.Event)))
            {
                var caughtUp = _batch.Count < Settings.BatchSize;
                State.Cursor = _batch[^1].At;
                var recovered = State.FailingSince is not null;
                (State.Failures, State.FailingSince) = (0, null);
                (_batch, _retryAt) = (null, DateTimeOffset.MinValue);
                _delivered.Clear();
                _tries.Clear();
                // The cursor is written at most every CursorWriteInterval: a crash sends those events again (same ids).
                if (recovered || Stopwatch.GetElapsedTime(_written) >= Settings.CursorWriteInterval) await Write();
                else _unwritten = true;
                if (caughtUp) return; // the next poll reads what arrived meanwhile, as one batch
                continue;
            }
            await Failed(endpoint, attempts.First(a => !a.Delivered));
            return;
        }
    }

    /// <summary>Sends the events, subjects side by side, each subject's in order, stopping a subject at its first failure.</summary>
    private async Task<List<DeliveryAttempt>> Send(WebhookEndpoint endpoint, IReadOnlyList<FeedEvent> pending)
    {
        var attempts = new List<DeliveryAttempt>();
        using var slots = new SemaphoreSlim(Settings.Parallelism);
        await Task.WhenAll(pending.GroupBy(e => e.Event.Subject).Select(async subject =>
        {
            await slots.WaitAsync();
            try
            {
                foreach (var (_, e) in subject)
                {
                    var outcome = await sender.Send(endpoint, e, _stop.Token);
                    var tries = _tries[e.Id] = _tries.GetValueOrDefault(e.Id) + 1;
                    attempts.Add(new DeliveryAttempt(e.Id, e.Type, e.Subject, deliveryClock.GetUtcNow(), outcome.Delivered, outcome.Status, outcome.Error, tries));
                    if (!outcome.Delivered) return;
                    _delivered.Add(e.Id);
                }
            }
            finally
            {
                slots.Release();
            }
        }));
        return attempts;
    }

    private async Task Failed(WebhookEndpoint endpoint, DeliveryAttempt failure)
    {
        var now = deliveryClock.GetUtcNow();
        State.Failures++;
        State.FailingSince ??= failure.At;
        if (WebhookDelivery.GivesUp(State.FailingSince.Value, now, Settings.RetryWindow))
        {
            State.DisabledAt = now;
            State.Disables++;
            await events.Record([WebhookDelivery.DisabledEvent(endpoint, State.Disables, State.FailingSince.Value, connectsClock.GetUtcNow())]);
            await GrainFactory.Webhooks().SetDisabled(endpoint.Id, now);
            (_batch, _retryAt) = (null, DateTimeOffset.MinValue);
            _delivered.Clear();
            _tries.Clear();
            LogDisabled(logger, endpoint.Id, State.FailingSince.Value, failure.Error ?? $"HTTP {failure.Status}");
        }
        else
        {
            var wait = WebhookDelivery.RetryDelay(State.Failures, Settings.FirstRetryDelay, Settings.LongestRetryDelay);
            _retryAt = now + wait;
            LogFailing(logger, endpoint.Id, failure.EventId, failure.Error ?? $"HTTP {failure.Status}", State.Failures, wait);
        }
        await Write();
    }

    /// <summary>Moves the cursor back for a replay; an endpoint that was disabled is enabled again.</summary>
    private async Task BeginReplay(WebhookEndpoint endpoint, FeedCursor from)
    {
        _replayFrom = null;
        (_batch, _retryAt) = (null, DateTimeOffset.MinValue);
        _delivered.Clear();
        _tries.Clear();
        State.Cursor = from;
        (State.Failures, State.FailingSince) = (0, null);
        if (State.DisabledAt is not null)
        {
            State.DisabledAt = null;
            await GrainFactory.Webhooks().SetDisabled(endpoint.Id, null);
        }
        await Write();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EndpointId}: event {EventId} not delivered ({Error}); {Failures} failures in a row, next try in {Wait}")]
    private static partial void LogFailing(ILogger logger, string endpointId, string eventId, string error, int failures, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {EndpointId} disabled: failing since {FailingSince} ({Error}); a replay enables it again")]
    private static partial void LogDisabled(ILogger logger, string endpointId, DateTimeOffset failingSince, string error);
}
