using Connects.Domain;

namespace Connects.Contracts;

/// <summary>One freelancer's Connects. Key: the freelancer id.</summary>
[Alias("Connects.IWalletGrain")]
public interface IWalletGrain : IGrainWithStringKey
{
    [Alias("Open")] Task<WalletOpened> Open(Plan plan);
    /// <summary>The wallet as of now, or null if it was never opened.</summary>
    [Alias("GetWallet")] Task<WalletView?> GetWallet();
    [Alias("ChangePlan")] Task<WalletView> ChangePlan(Plan plan);
    [Alias("Purchase")] Task<PurchaseResult> Purchase(string paymentReference, int bundle);
    [Alias("Grant")] Task<GrantResult> Grant(string grantId, int amount, string reason, DateTimeOffset? expiresAt);
    /// <summary>Submits a proposal to a job: hold, record on the job, capture; exactly once per job.</summary>
    [Alias("SubmitProposal")] Task<SubmissionResult> SubmitProposal(string jobId, int expectedConnects);
    /// <summary>Returns the Connects of a cancelled or removed job's proposal, once. Returns the amount refunded now (0 if already).</summary>
    [Alias("Refund")] Task<int> Refund(RefundOwed refund);
    [Alias("GetHistory")] Task<HistoryPage?> GetHistory(HistoryQuery query);
}

[GenerateSerializer, Immutable, Alias("Connects.WalletOpened")]
public sealed record WalletOpened([property: Id(0)] bool Created, [property: Id(1)] WalletView Wallet);

[GenerateSerializer, Immutable, Alias("Connects.PurchaseResult")]
public sealed record PurchaseResult([property: Id(0)] bool Created, [property: Id(1)] PurchaseReceipt Receipt);

[GenerateSerializer, Immutable, Alias("Connects.GrantResult")]
public sealed record GrantResult([property: Id(0)] bool Created, [property: Id(1)] int Balance);

[GenerateSerializer]
public enum SubmissionOutcome { Submitted, AlreadySubmitted, InsufficientConnects, PriceChanged, JobNotOpen, JobNotFound, WalletNotFound }

[GenerateSerializer, Immutable, Alias("Connects.SubmissionResult")]
public sealed record SubmissionResult(
    [property: Id(0)] SubmissionOutcome Outcome,
    [property: Id(1)] int ConnectsCharged = 0,
    [property: Id(2)] int Balance = 0,
    [property: Id(3)] int ConnectsRequired = 0,
    [property: Id(4)] int Available = 0,
    [property: Id(5)] DateTimeOffset? NextRefreshAt = null,
    [property: Id(6)] JobStatus? JobStatus = null);
