using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Connects.Domain;
using Connects.Grains;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace Connects.Silo;

/// <summary>
/// Sends an event to an endpoint: CloudEvents 1.0 structured JSON (the CNCF SDK's formatter), signed per Standard
/// Webhooks (the StandardWebhooks library: <c>webhook-id</c> the event id, <c>webhook-timestamp</c> the time of signing,
/// <c>webhook-signature</c> <c>v1,</c> + base64 HMAC-SHA256 of <c>id.timestamp.body</c> with the endpoint's secret). Any
/// 2xx answer is an acknowledgement; anything else, a timeout (<see cref="WebhookDeliverySettings.AttemptTimeout"/>) or a
/// refused connection is a failure. Redirects are not followed, and every connection is checked by the SSRF guard
/// (<see cref="Connect"/>).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<WebhookSettings> settings) : IWebhookSender
{
    public const string ClientName = "webhooks";

    private static readonly JsonEventFormatter Formatter = new();
    private static readonly JsonNamingPolicy Names = JsonNamingPolicy.KebabCaseLower;

    public async Task<SendOutcome> Send(WebhookEndpoint endpoint, ConnectsEvent e, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(Formatter.EncodeStructuredModeMessage(Envelope(e), out var contentType).Span);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url);
        request.Content = new StringContent(body, Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType.ToString());
        // The timestamp is when the message is signed, by the wall clock: receivers reject one far from their own.
        var signedAt = TimeProvider.System.GetUtcNow();
        request.Headers.Add("webhook-id", e.Id);
        request.Headers.Add("webhook-timestamp", signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhook(endpoint.Secret).Sign(e.Id, signedAt, body));
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode
                ? new SendOutcome(true, (int)response.StatusCode, null)
                : new SendOutcome(false, (int)response.StatusCode, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException
                                   && !cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(false, null, ex is HttpRequestException ? ex.Message : "Timed out.");
        }
    }

    /// <summary>The event as a CloudEvent; its data as the pull feed gives it (ledger kind, amount, balance after,
    /// reference, sequence, note), and for a job's event its status and prices.</summary>
    public static CloudEvent Envelope(ConnectsEvent e)
    {
        var data = new Dictionary<string, object?>();
        if (e.Job is { } job)
        {
            data["status"] = Names.ConvertName(job.Status.ToString());
            data["priceBefore"] = job.PriceBefore;
            data["priceAfter"] = job.PriceAfter;
        }
        else if (e.Kind != JobEvents.NoLedgerKind)
        {
            data["kind"] = Names.ConvertName(e.Kind.ToString());
            data["amount"] = e.Amount;
            data["balanceAfter"] = e.BalanceAfter;
        }
        data["reference"] = e.Reference;
        data["sequence"] = e.Sequence;
        data["note"] = e.Note;
        return new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = e.Id,
            Source = new Uri(ConnectsEvent.Source),
            Type = e.Type,
            Subject = e.Subject,
            Time = e.Time,
            DataContentType = "application/json",
            Data = JsonSerializer.SerializeToElement(data),
        };
    }

    /// <summary>
    /// The SSRF guard at delivery: the registration's check again, for every connection (a host's name may resolve
    /// elsewhere since). A host that resolves to a loopback, link-local or private address is refused unless
    /// <see cref="WebhookSettings.AllowedHosts"/> names it.
    /// </summary>
    public async ValueTask<Stream> Connect(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (!settings.Value.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase) && addresses.FirstOrDefault(WebhookUrls.IsInternal) is { } refused)
            throw new HttpRequestException($"Not delivered: {host} resolves to {refused}, a loopback, link-local or private address, and Connects:Webhooks:AllowedHosts does not name it.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
