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
    /// <summary>Submits a proposal to a job: hold and record on the job at once, capture; exactly once per job.</summary>
    [Alias("SubmitProposal")] Task<SubmissionResult> SubmitProposal(string jobId, int expectedConnects);
    /// <summary>Returns the Connects of a cancelled or removed job's proposal, once, if this wallet paid for it (a
    /// provisional record it never paid is answered <see cref="RefundOutcome.NeverPaid"/>, and nothing is paid back).</summary>
    [Alias("Refund")] Task<RefundResult> Refund(RefundOwed refund);
    /// <summary>A job asks about a provisional record it has held too long: the wallet answers, from what it has stored, by
    /// calling the job (it holds or paid the hold: the record stands; neither: the job abandons it). One-way, so the job never
    /// waits on a wallet (wallets wait on jobs while submitting).</summary>
    [OneWay, Alias("ConfirmProposal")] Task ConfirmProposal(string jobId, string holdId);
    [Alias("GetHistory")] Task<HistoryPage?> GetHistory(HistoryQuery query);
}

[GenerateSerializer, Immutable, Alias("Connects.WalletOpened")]
public sealed record WalletOpened([property: Id(0)] bool Created, [property: Id(1)] WalletView Wallet);

[GenerateSerializer, Immutable, Alias("Connects.PurchaseResult")]
public sealed record PurchaseResult([property: Id(0)] bool Created, [property: Id(1)] PurchaseReceipt Receipt);

[GenerateSerializer, Immutable, Alias("Connects.GrantResult")]
public sealed record GrantResult([property: Id(0)] bool Created, [property: Id(1)] int Balance);

[GenerateSerializer]
public enum RefundOutcome { Refunded, AlreadyRefunded, NeverPaid }

[GenerateSerializer, Immutable, Alias("Connects.RefundResult")]
public sealed record RefundResult([property: Id(0)] RefundOutcome Outcome, [property: Id(1)] int Connects = 0);

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
