using System.ComponentModel.DataAnnotations;

namespace Connects.Silo;

/// <summary>Connects:Webhooks: what webhook URLs may be registered, and delivered to (see <see cref="Connects.Domain.WebhookUrls"/>):
/// the API checks a registration, and each silo checks every address it connects to when it delivers.</summary>
public sealed class WebhookSettings : IValidatableObject
{
    public const string Section = "Connects:Webhooks";

    /// <summary>Hosts (as written in the URL: a name or an IP literal) that may be registered although they are or resolve to
    /// a loopback, link-local or private address. Empty by default.</summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Longest a registration waits for its host's name to resolve (0.1 s – 30 s).</summary>
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AllowedHosts.Any(string.IsNullOrWhiteSpace))
            yield return new ValidationResult("AllowedHosts must not hold an empty host.", [nameof(AllowedHosts)]);
        if (ResolveTimeout < TimeSpan.FromMilliseconds(100) || ResolveTimeout > TimeSpan.FromSeconds(30))
            yield return new ValidationResult("ResolveTimeout must be between 00:00:00.1 and 00:00:30.", [nameof(ResolveTimeout)]);
    }
}
