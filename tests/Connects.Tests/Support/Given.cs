using Connects.Contracts;
using Connects.Domain;

namespace Connects.Tests.Support;

/// <summary>Starting points the grain tests share.</summary>
public static class Given
{
    /// <summary>An open fixed-price job <paramref name="jobId"/> in its own category.</summary>
    public static async Task<IJobGrain> PostedJob(this IGrainFactory grains, string jobId, decimal budget = 100,
        ProjectDuration duration = ProjectDuration.OneToFourWeeks)
    {
        var job = grains.Job(jobId);
        await job.Post(new JobPosting("client-1", new JobTerms(budget, BudgetType.Fixed, duration), "cat-" + jobId));
        return job;
    }

    /// <summary>An open wallet on <paramref name="plan"/>.</summary>
    public static async Task<IWalletGrain> OpenedWallet(this IGrainFactory grains, string freelancerId, Plan plan = Plan.Plus)
    {
        var wallet = grains.Wallet(freelancerId);
        await wallet.Open(plan);
        return wallet;
    }

    /// <summary>An open fixed-price job <paramref name="id"/> and a Plus wallet <c>{id}-f</c> (70 Connects), with the job's price.</summary>
    public static async Task<(IJobGrain Job, IWalletGrain Wallet, int Price)> JobAndPlusWallet(this IGrainFactory grains, string id)
    {
        var job = await grains.PostedJob(id);
        var wallet = await grains.OpenedWallet(id + "-f");
        return (job, wallet, await job.PriceNow());
    }
}

/// <summary>Reads of a job the tests make.</summary>
public static class JobReads
{
    /// <summary>The job's record of <paramref name="freelancerId"/>'s proposal (durable), or null.</summary>
    public static async Task<Proposal?> ProposalOf(this IJobGrain job, string freelancerId) => (await job.Quote(freelancerId)).Proposal;

    /// <summary>The job's price in Connects now.</summary>
    public static async Task<int> PriceNow(this IJobGrain job) => (await job.Quote("")).Price!.Connects;
}
