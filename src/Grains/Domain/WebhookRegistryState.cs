namespace Connects.Domain;

/// <summary>The registered webhook endpoints: a handful that admins manage, so one small grain state holds them all.</summary>
[GenerateSerializer, Alias("Connects.WebhookRegistryState")]
public sealed class WebhookRegistryState
{
    [Id(0)] public List<WebhookEndpoint> Endpoints { get; set; } = [];
}
