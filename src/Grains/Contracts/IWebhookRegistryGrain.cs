using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The registered webhook endpoints (one grain, <see cref="GrainKeys.Webhooks"/>).</summary>
[Alias("Connects.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    /// <summary>Stores the endpoint and starts its delivery (again, if the endpoint is already there).</summary>
    [Alias("Register")] Task Register(WebhookEndpoint endpoint);
    /// <summary>Starts every endpoint's delivery that is not running (a silo's start does this).</summary>
    [Alias("Wake")] Task Wake();
    [Alias("List")] Task<IReadOnlyList<WebhookEndpoint>> List();
    /// <summary>The endpoint with that id, or null.</summary>
    [Alias("Find")] Task<WebhookEndpoint?> Find(string id);
    /// <summary>Marks an endpoint disabled since <paramref name="at"/>, or enabled again with null; false if there is none.</summary>
    [Alias("SetDisabled")] Task<bool> SetDisabled(string id, DateTimeOffset? at);
    /// <summary>Stops its delivery and removes the endpoint; false if there is none with that id.</summary>
    [Alias("Remove")] Task<bool> Remove(string id);
}
