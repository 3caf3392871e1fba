namespace Connects.Domain;

/// <summary>
/// price = clamp(round((durationBase + budgetPoints) × demandMultiplier), min, max), where
/// budgetPoints = min(maxPoints, max(0, floor(log2(effectiveBudget / budgetStep)) + 1)) for a budget at or
/// above one step (0 below it), an hourly budget is rate × the duration's estimated hours, and
/// demandMultiplier = clamp(1 + sensitivity × (applicationsPerJob / target − 1), minMultiplier, maxMultiplier).
/// Monotone (non-decreasing) in budget, in duration and in demand.
/// </summary>
public static class ConnectPricing
{
    public static ConnectPrice Quote(JobTerms terms, CategoryDemand demand, PricingRules rules)
    {
        var durationBase = rules.DurationBase(terms.Duration);
        var effectiveBudget = terms.BudgetType == BudgetType.Hourly
            ? terms.BudgetUsd * rules.EstimatedHours(terms.Duration)
            : terms.BudgetUsd;
        var budgetPoints = BudgetPoints(effectiveBudget, rules);
        var multiplier = DemandMultiplier(demand.ApplicationsPerJob, rules);
        var unclamped = (durationBase + budgetPoints) * multiplier;
        var connects = Math.Clamp((int)Math.Round(unclamped, MidpointRounding.AwayFromZero), rules.MinConnects, rules.MaxConnects);
        return new ConnectPrice(connects, durationBase, budgetPoints, effectiveBudget, multiplier, demand.ApplicationsPerJob,
            unclamped, rules.MinConnects, rules.MaxConnects);
    }

    public static int BudgetPoints(decimal effectiveBudgetUsd, PricingRules rules)
    {
        if (effectiveBudgetUsd < rules.BudgetStepUsd) return 0;
        var doublings = Math.Floor(Math.Log2((double)(effectiveBudgetUsd / rules.BudgetStepUsd)));
        return (int)Math.Min(rules.MaxBudgetPoints, doublings + 1);
    }

    public static double DemandMultiplier(double applicationsPerJob, PricingRules rules)
    {
        var raw = 1 + rules.DemandSensitivity * (applicationsPerJob / rules.TargetApplicationsPerJob - 1);
        return Math.Round(Math.Clamp(raw, rules.MinDemandMultiplier, rules.MaxDemandMultiplier), 4);
    }
}
