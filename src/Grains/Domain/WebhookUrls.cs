using System.Net;
using System.Net.Sockets;

namespace Connects.Domain;

/// <summary>
/// Which webhook URLs may be registered (the SSRF guard): absolute http or https (https only where
/// <c>httpsOnly</c>, in Production), no user info, and every address the host resolves to public: never loopback,
/// link-local, private (RFC 1918, unique-local IPv6), carrier-grade NAT, unspecified or multicast, unless the host (as
/// written in the URL) is on the allow-list.
/// </summary>
public static class WebhookUrls
{
    /// <summary>Why <paramref name="url"/> is refused, or null if it may be registered. <paramref name="resolved"/> are the
    /// addresses its host resolves to (the host itself when it is an IP literal).</summary>
    public static string? Refusal(Uri url, bool httpsOnly, IReadOnlyCollection<string> allowedHosts, IReadOnlyList<IPAddress> resolved)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            return "Must be an absolute http or https URL.";
        if (httpsOnly && url.Scheme != Uri.UriSchemeHttps) return "Must be https.";
        if (url.UserInfo.Length > 0) return "Must not carry user information.";
        if (url.Fragment.Length > 0) return "Must not carry a fragment.";
        if (allowedHosts.Contains(url.IdnHost, StringComparer.OrdinalIgnoreCase)) return null;
        if (resolved.Count == 0) return "Its host does not resolve.";
        return resolved.FirstOrDefault(IsInternal) is { } address
            ? $"Its host resolves to {address}, a loopback, link-local or private address; only hosts named in Connects:Webhooks:AllowedHosts may."
            : null;
    }

    /// <summary>Loopback, link-local, private, carrier-grade NAT, unspecified or multicast: not for a webhook.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
    }
}
