namespace Connects.Contracts;

/// <summary>
/// The one place grain keys are made. Orleans' ADO.NET storage treats a string key that parses as a
/// hex number or a Guid as that number (dotnet/orleans#9706): freelancers "0123" and "123" would share
/// a row. Every key here carries a kind prefix ending in ':', which keeps it a string key.
/// </summary>
public static class GrainKeys
{
    private const string Freelancer = "freelancer:";
    private const string JobPrefix = "job:";
    private const string Category = "category:";

    /// <summary>The one grain that keeps the registered webhook endpoints.</summary>
    public static IWebhookRegistryGrain Webhooks(this IGrainFactory grains) => grains.GetGrain<IWebhookRegistryGrain>("webhooks:registry");

    /// <summary>The delivery of events to one webhook endpoint (its registration id, which carries the prefix <c>wh_</c>).</summary>
    public static IWebhookDeliveryGrain WebhookDelivery(this IGrainFactory grains, string endpointId) =>
        grains.GetGrain<IWebhookDeliveryGrain>("webhooks:" + endpointId);

    public static IWalletGrain Wallet(this IGrainFactory grains, string freelancerId) =>
        grains.GetGrain<IWalletGrain>(Freelancer + freelancerId);

    /// <summary>A receipt book: the archived receipts of a year of cycles (<see cref="Domain.ReceiptBooks.YearOf"/>).</summary>
    public static IReceiptBookGrain ReceiptBook(this IGrainFactory grains, string freelancerId, int year) =>
        grains.GetGrain<IReceiptBookGrain>($"{Freelancer}{freelancerId}/y{year}");

    /// <summary>The one receipt book a wallet kept before books per year: read once, moved to books per year, cleared.</summary>
    public static IReceiptBookGrain LegacyReceiptBook(this IGrainFactory grains, string freelancerId) =>
        grains.GetGrain<IReceiptBookGrain>(Freelancer + freelancerId);

    /// <summary>A statement: the archived entries of a year of cycles (<see cref="Domain.History.StatementOf"/>).</summary>
    public static IStatementGrain Statement(this IGrainFactory grains, string freelancerId, int statement) =>
        grains.GetGrain<IStatementGrain>($"{Freelancer}{freelancerId}/y{statement}");

    public static IJobGrain Job(this IGrainFactory grains, string jobId) => grains.GetGrain<IJobGrain>(JobPrefix + jobId);

    public static ICancellationGrain Cancellation(this IGrainFactory grains, string jobId) =>
        grains.GetGrain<ICancellationGrain>(JobPrefix + jobId);

    public static ICategoryDemandGrain Demand(this IGrainFactory grains, string category) =>
        grains.GetGrain<ICategoryDemandGrain>(Category + category);

    /// <summary>The wallets renewing on one day of the month (an integer key: not subject to the string-key rule above).</summary>
    public static IRenewalCohortGrain RenewalCohort(this IGrainFactory grains, Domain.RenewalDay day) =>
        grains.GetGrain<IRenewalCohortGrain>(day.Day);

    /// <summary>The one grain that gives idle wallets their expiring notices.</summary>
    public static IExpiryNoticeGrain ExpiryNotices(this IGrainFactory grains) => grains.GetGrain<IExpiryNoticeGrain>(0);

    /// <summary>The domain id inside a grain key made here.</summary>
    public static string IdOf(IAddressable grain) => IdOf(grain.GetPrimaryKeyString());

    public static string IdOf(string key) => key[(key.IndexOf(':') + 1)..];
}
