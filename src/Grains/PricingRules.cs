using System.ComponentModel.DataAnnotations;
using Connects.Domain;

namespace Connects;

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

    /// <summary>Boosted proposals: how many of a job's proposals are boosted at once (the top of the client's list).</summary>
    [Range(1, 100)] public int BoostSpots { get; set; } = 4;
    /// <summary>How long after a job is posted its auction for the boosted spots stays open (its first hire closes it earlier).
    /// On the Connects clock, so the sandbox clock closes auctions too.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")] public TimeSpan AuctionDuration { get; set; } = TimeSpan.FromDays(7);

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
