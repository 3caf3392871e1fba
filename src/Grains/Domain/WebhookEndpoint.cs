namespace Connects.Domain;

/// <summary>A webhook endpoint an admin registered: where events of the listed types go, signed with its secret
/// (Standard Webhooks, a <c>whsec_</c>-prefixed base64 key, shown once at registration). <see cref="DisabledAt"/> is set
/// once its delivery gave up after failing for the whole retry window.</summary>
[GenerateSerializer, Immutable, Alias("Connects.WebhookEndpoint")]
public sealed record WebhookEndpoint(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Types,
    [property: Id(3)] string Secret,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? DisabledAt = null);
