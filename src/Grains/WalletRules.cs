using System.ComponentModel.DataAnnotations;
using Connects.Domain;

namespace Connects;

/// <summary>
/// The wallet rules (docs/design.md, "The rules, in short"): allotments, rollover, bundles and prices, expiries, grants,
/// how long a hold lives, what a wallet keeps and for how long a retry is recognised. What the domain (<see cref="Wallet"/>)
/// decides with. Section <c>Connects:Wallet</c>, shared with <see cref="WalletProtocolSettings"/> (how the grains run).
/// </summary>
public sealed class WalletRules : IValidatableObject
{
    public const string Section = "Connects:Wallet";
    public static readonly int[] DefaultBundleSizes = [10, 20, 40, 60, 80];

    [Range(0, 100_000)] public int BasicMonthlyConnects { get; set; } = 10;
    [Range(0, 100_000)] public int PlusMonthlyConnects { get; set; } = 70;
    [Range(0, 1_000_000)] public int PlusRolloverCap { get; set; } = 140;

    /// <summary>Bundle sizes on sale. Left empty in configuration, the defaults apply (10, 20, 40, 60, 80).</summary>
    public int[]? BundleSizes { get; set; }
    [Range(typeof(decimal), "0.01", "1000")] public decimal PricePerConnectUsd { get; set; } = 0.15m;
    [Range(1, 120)] public int PurchaseExpiryMonths { get; set; } = 12;
    [Range(1, 1_000_000)] public int MaxGrantAmount { get; set; } = 10_000;

    /// <summary>How long a proposal's hold on Connects lives before it expires back to the wallet.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Closed cycles' entries a wallet keeps before it moves them all to its statements (0: at every cycle end).</summary>
    [Range(0, 1_000)] public int ArchiveAfterEntries { get; set; } = 16;

    /// <summary>
    /// Billing cycles (months) for which a purchase's payment reference or a grant's id is still recognised when retried,
    /// once its receipt has moved from the wallet to the receipt books, one per year of cycles (default 24). A payment
    /// reference or grant id says nothing of when it was applied, so a lookup reads the books of the years this window
    /// covers (at most 3 by default) and never older ones: a new purchase costs a bounded number of reads at any age, and a
    /// retry older than the window is taken as new. Refunds and paid proposals are found in any year (their job's dates say
    /// where); receipts still in the wallet (the open cycle and closed ones not yet archived) are always found.
    /// </summary>
    [Range(1, 1_200)] public int IdempotencyWindowMonths { get; set; } = 24;

    /// <summary>A wallet whose available Connects fall below this gets one <c>connects.wallet.low-balance</c> event per
    /// crossing (0: never).</summary>
    [Range(0, 1_000_000)] public int LowBalanceThreshold { get; set; } = 16;

    /// <summary>How long before a purchased or granted bucket expires its <c>connects.wallet.expiring</c> event is given
    /// (once per bucket).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")] public TimeSpan ExpiryNoticeAhead { get; set; } = TimeSpan.FromDays(7);

    public IReadOnlyList<int> Bundles => BundleSizes is { Length: > 0 } sizes ? sizes : DefaultBundleSizes;

    public int MonthlyConnects(Plan plan) => plan == Plan.Plus ? PlusMonthlyConnects : BasicMonthlyConnects;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Bundles.Any(size => size is <= 0 or > 100_000))
            yield return new ValidationResult("Every bundle size must be between 1 and 100000.", [nameof(BundleSizes)]);
        if (Bundles.Distinct().Count() != Bundles.Count)
            yield return new ValidationResult("Bundle sizes must be distinct.", [nameof(BundleSizes)]);
    }
}
