using System.ComponentModel.DataAnnotations;
using Connects.Domain;

namespace Connects;

/// <summary>The wallet rules (docs/design.md, "The rules, in short"). Section <c>Connects:Wallet</c>.</summary>
public sealed class WalletRules : IValidatableObject
{
    public const string Section = "Connects:Wallet";
    public static readonly int[] DefaultBundleSizes = [10, 20, 40, 60, 80];

    [Range(0, 100_000)] public int BasicMonthlyConnects { get; set; } = 10;
    [Range(0, 100_000)] public int PlusMonthlyConnects { get; set; } = 70;
    [Range(0, 1_000_000)] public int PlusRolloverCap { get; set; } = 140;
    [Range(typeof(decimal), "0", "100000")] public decimal PlusMonthlyPriceUsd { get; set; } = 10m;

    /// <summary>Bundle sizes on sale. Left empty in configuration, the defaults apply (10, 20, 40, 60, 80).</summary>
    public int[]? BundleSizes { get; set; }
    [Range(typeof(decimal), "0.01", "1000")] public decimal PricePerConnectUsd { get; set; } = 0.15m;
    [Range(1, 120)] public int PurchaseExpiryMonths { get; set; } = 12;
    [Range(1, 1_000_000)] public int MaxGrantAmount { get; set; } = 10_000;

    /// <summary>How long a proposal's hold on Connects lives before it expires back to the wallet.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Refreshes started by wallets' reminders that run at once in one silo; the rest wait (live calls never do).</summary>
    [Range(1, 10_000)] public int ReminderRefreshConcurrency { get; set; } = 8;

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

    /// <summary>
    /// How long a wallet's capture, decided once the job's record is durable, may stay in memory before a timer writes it
    /// (default 200 ms). Any earlier write of the wallet takes it along; a crash before it loses nothing: the stored hold is
    /// settled with the job (see docs/design.md, "one durable write"). Longer lets more captures ride on the next write.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")] public TimeSpan DeferredWriteDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a proposal record may stay provisional (its wallet has not vouched for the hold behind it) before its
    /// job asks the wallet whether it paid (default 5 s, well past a submission's round trip). The job looks every
    /// period and asks about records it already saw unvouched the period before: between one and two periods.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan ProvisionalRecordAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Period of each wallet's durable reminder, which brings idle wallets up to date.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "31.00:00:00")] public TimeSpan RefreshReminderPeriod { get; set; } = TimeSpan.FromDays(1);

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

/// <summary>How a job's price in Connects is computed. Section <c>Connects:Pricing</c>.</summary>
public sealed class PricingRules : IValidatableObject
{
    public const string Section = "Connects:Pricing";

    [Range(0, 1000)] public int MinConnects { get; set; } = 2;
    [Range(1, 1000)] public int MaxConnects { get; set; } = 16;

    [Range(0, 1000)] public int LessThan1WeekBase { get; set; } = 2;
    [Range(0, 1000)] public int OneToFourWeeksBase { get; set; } = 4;
    [Range(0, 1000)] public int OneToThreeMonthsBase { get; set; } = 6;
    [Range(0, 1000)] public int ThreeToSixMonthsBase { get; set; } = 8;
    [Range(0, 1000)] public int MoreThanSixMonthsBase { get; set; } = 10;

    /// <summary>Hours an hourly job is expected to bill, per projected duration (turns a rate into a budget).</summary>
    [Range(1, 100_000)] public int LessThan1WeekHours { get; set; } = 20;
    [Range(1, 100_000)] public int OneToFourWeeksHours { get; set; } = 80;
    [Range(1, 100_000)] public int OneToThreeMonthsHours { get; set; } = 250;
    [Range(1, 100_000)] public int ThreeToSixMonthsHours { get; set; } = 500;
    [Range(1, 100_000)] public int MoreThanSixMonthsHours { get; set; } = 1000;

    /// <summary>One budget point per doubling of the budget above this amount.</summary>
    [Range(typeof(decimal), "1", "1000000")] public decimal BudgetStepUsd { get; set; } = 250m;
    [Range(0, 100)] public int MaxBudgetPoints { get; set; } = 6;

    /// <summary>Applications per open job in the demand window at which the demand multiplier is 1.</summary>
    [Range(0.01, 10_000)] public double TargetApplicationsPerJob { get; set; } = 5;
    [Range(0, 10)] public double DemandSensitivity { get; set; } = 0.25;
    [Range(0.01, 10)] public double MinDemandMultiplier { get; set; } = 0.75;
    [Range(0.01, 10)] public double MaxDemandMultiplier { get; set; } = 1.5;
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")] public TimeSpan DemandWindow { get; set; } = TimeSpan.FromHours(24);
    /// <summary>How long a job reuses the demand it last read from its category.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan DemandCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(decimal), "0.01", "100000000")] public decimal MaxBudgetUsd { get; set; } = 10_000_000m;

    public int DurationBase(ProjectDuration duration) => duration switch
    {
        ProjectDuration.LessThan1Week => LessThan1WeekBase,
        ProjectDuration.OneToFourWeeks => OneToFourWeeksBase,
        ProjectDuration.OneToThreeMonths => OneToThreeMonthsBase,
        ProjectDuration.ThreeToSixMonths => ThreeToSixMonthsBase,
        _ => MoreThanSixMonthsBase,
    };

    public int EstimatedHours(ProjectDuration duration) => duration switch
    {
        ProjectDuration.LessThan1Week => LessThan1WeekHours,
        ProjectDuration.OneToFourWeeks => OneToFourWeeksHours,
        ProjectDuration.OneToThreeMonths => OneToThreeMonthsHours,
        ProjectDuration.ThreeToSixMonths => ThreeToSixMonthsHours,
        _ => MoreThanSixMonthsHours,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinConnects > MaxConnects)
            yield return new ValidationResult("MinConnects must not exceed MaxConnects.", [nameof(MinConnects), nameof(MaxConnects)]);
        if (MinDemandMultiplier > MaxDemandMultiplier)
            yield return new ValidationResult("MinDemandMultiplier must not exceed MaxDemandMultiplier.", [nameof(MinDemandMultiplier)]);
        int[] bases = [LessThan1WeekBase, OneToFourWeeksBase, OneToThreeMonthsBase, ThreeToSixMonthsBase, MoreThanSixMonthsBase];
        int[] hours = [LessThan1WeekHours, OneToFourWeeksHours, OneToThreeMonthsHours, ThreeToSixMonthsHours, MoreThanSixMonthsHours];
        if (!IsNonDecreasing(bases) || !IsNonDecreasing(hours))
            yield return new ValidationResult("Duration bases and hours must not decrease with a longer duration (price is monotone in duration).", [nameof(LessThan1WeekBase)]);
    }

    private static bool IsNonDecreasing(int[] values) => values.Zip(values.Skip(1)).All(p => p.First <= p.Second);
}
