using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>Keeps the registered webhook endpoints; every change is written before it answers. Each endpoint's delivery
/// is its own grain (<see cref="WebhookDeliveryGrain"/>), started when the endpoint is registered and stopped when it is removed.</summary>
public sealed class WebhookRegistryGrain(
    [PersistentState("webhooks", ConnectsStorage.Name)] IPersistentState<WebhookRegistryState> stored) : Grain, IWebhookRegistryGrain
{
    public async Task Register(WebhookEndpoint endpoint)
    {
        if (!stored.State.Endpoints.Any(e => e.Id == endpoint.Id))
        {
            stored.State.Endpoints.Add(endpoint);
            await stored.WriteStateAsync();
        }
        await GrainFactory.WebhookDelivery(endpoint.Id).Start(endpoint);
    }

    public Task Wake() => Task.WhenAll(stored.State.Endpoints.Select(e => GrainFactory.WebhookDelivery(e.Id).Start(e)));

    public Task<IReadOnlyList<WebhookEndpoint>> List() => Task.FromResult<IReadOnlyList<WebhookEndpoint>>([.. stored.State.Endpoints]);

    public Task<WebhookEndpoint?> Find(string id) => Task.FromResult(stored.State.Endpoints.Find(e => e.Id == id));

    public async Task<bool> SetDisabled(string id, DateTimeOffset? at)
    {
        var index = stored.State.Endpoints.FindIndex(e => e.Id == id);
        if (index < 0) return false;
        if (stored.State.Endpoints[index].DisabledAt == at) return true;
        stored.State.Endpoints[index] = stored.State.Endpoints[index] with { DisabledAt = at };
        await stored.WriteStateAsync();
        return true;
    }

    public async Task<bool> Remove(string id)
    {
        if (!stored.State.Endpoints.Any(e => e.Id == id)) return false;
        await GrainFactory.WebhookDelivery(id).StopDelivering();
        stored.State.Endpoints.RemoveAll(e => e.Id == id);
        await stored.WriteStateAsync();
        return true;
    }
}
