using Connects.Contracts;
using Connects.Domain;

namespace Connects.Grains;

/// <summary>Keeps the registered webhook endpoints; every change is written before it answers.</summary>
public sealed class WebhookRegistryGrain(
    [PersistentState("webhooks", ConnectsStorage.Name)] IPersistentState<WebhookRegistryState> stored) : Grain, IWebhookRegistryGrain
{
    public async Task Register(WebhookEndpoint endpoint)
    {
        if (stored.State.Endpoints.Any(e => e.Id == endpoint.Id)) return;
        stored.State.Endpoints.Add(endpoint);
        await stored.WriteStateAsync();
    }

    public Task<IReadOnlyList<WebhookEndpoint>> List() => Task.FromResult<IReadOnlyList<WebhookEndpoint>>([.. stored.State.Endpoints]);

    public async Task<bool> Remove(string id)
    {
        if (stored.State.Endpoints.RemoveAll(e => e.Id == id) == 0) return false;
        await stored.WriteStateAsync();
        return true;
    }
}
