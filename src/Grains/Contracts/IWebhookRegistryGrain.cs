using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The registered webhook endpoints (one grain, <see cref="GrainKeys.Webhooks"/>).</summary>
[Alias("Connects.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    [Alias("Register")] Task Register(WebhookEndpoint endpoint);
    [Alias("List")] Task<IReadOnlyList<WebhookEndpoint>> List();
    /// <summary>Removes an endpoint; false if there is none with that id.</summary>
    [Alias("Remove")] Task<bool> Remove(string id);
}
