using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Connects;
using Connects.Domain;

// dotnet run -c Release --project bench/Connects.Bench.Micro -- --filter '*' --job short
// Reports go to bench/results/micro/ (BenchmarkDotNet's own Markdown/CSV/HTML exporters).
var root = Connects.Bench.Micro.Paths.RepoRoot();
var config = DefaultConfig.Instance
    .WithArtifactsPath(Path.Combine(root, "bench", "results", "micro"))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(Connects.Bench.Micro.PricingBenchmarks).Assembly).Run(args, config);

namespace Connects.Bench.Micro
{
    public static class Paths
    {
        public static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Connects.Orleans.sln"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }

    [MemoryDiagnoser]
    public class PricingBenchmarks
    {
        private readonly PricingRules _rules = new();
        private readonly JobTerms _fixed = new(800m, BudgetType.Fixed, ProjectDuration.OneToFourWeeks);
        private readonly JobTerms _hourly = new(45m, BudgetType.Hourly, ProjectDuration.OneToThreeMonths);
        private readonly CategoryDemand _demand = new(140, 20, DateTimeOffset.UnixEpoch);

        [Benchmark(Description = "ConnectPricing.Quote fixed")]
        public ConnectPrice QuoteFixed() => ConnectPricing.Quote(_fixed, _demand, _rules);

        [Benchmark(Description = "ConnectPricing.Quote hourly")]
        public ConnectPrice QuoteHourly() => ConnectPricing.Quote(_hourly, _demand, _rules);
    }

    [MemoryDiagnoser]
    public class BillingCycleBenchmarks
    {
        // Anchored on the 31st: exercises the end-of-month fallback.
        private readonly DateTimeOffset _anchor = new(2021, 1, 31, 10, 0, 0, TimeSpan.Zero);
        private readonly DateTimeOffset _fiveYearsOn = new(2026, 2, 15, 0, 0, 0, TimeSpan.Zero);

        [Benchmark(Description = "BillingCycle.At +5y")]
        public BillingCycle At() => BillingCycle.At(_anchor, _fiveYearsOn);

        [Benchmark(Description = "BillingCycle.Of index 60")]
        public BillingCycle Of() => BillingCycle.Of(_anchor, 60);
    }

    /// <summary>A wallet with Connects in four buckets (monthly, two grants with different expiries, a purchase).
    /// The domain mutates its state, so each operation gets a fresh wallet: <c>Setup only</c> is that cost,
    /// subtract it from the others.</summary>
    [MemoryDiagnoser]
    public class WalletBenchmarks
    {
        private readonly WalletRules _rules = new();
        private readonly DateTimeOffset _now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

        private Wallet Fresh()
        {
            var wallet = new Wallet(new WalletState(), _rules);
            wallet.Open("ada", Plan.Basic, _now.AddDays(-5));
            wallet.Grant("g1", 3, "bench", _now.AddDays(3), _now);
            wallet.Grant("g2", 4, "bench", _now.AddDays(20), _now);
            wallet.Purchase("pay-1", 10, _now);
            return wallet;
        }

        [Benchmark(Baseline = true, Description = "Wallet setup only (open, 2 grants, purchase)")]
        public int SetupOnly() => Fresh().Balance;

        [Benchmark(Description = "Setup + Reserve 12 (3 buckets) + Capture 9")]
        public int ReserveCapture()
        {
            var wallet = Fresh();
            var hold = wallet.Reserve("job-1", 12, _now)!;
            return wallet.Capture(hold.HoldId, 9, _now).Count;
        }

        [Benchmark(Description = "Setup + Reserve 12 (3 buckets) + Release")]
        public int ReserveRelease()
        {
            var wallet = Fresh();
            var hold = wallet.Reserve("job-1", 12, _now)!;
            wallet.Release(hold.HoldId, _now);
            return wallet.Available;
        }
    }
}
