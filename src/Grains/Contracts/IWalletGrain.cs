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
    /// <summary>Brings the wallet up to date (its billing cycles, expiries and holds), durably: what its renewal cohort
    /// asks of it at the renewal instant. Nothing for a wallet never opened or already up to date.</summary>
    [Alias("Refresh")] Task Refresh();
    /// <summary>Submits a proposal with a boost bid: the price and the bid from the same available Connects.</summary>
    [Alias("SubmitBoostedProposal")] Task<SubmissionResult> SubmitBoostedProposal(string jobId, int expectedConnects, int boostBid);
    /// <summary>Bids (or raises the bid) for a top spot on a job this freelancer has a proposal on.</summary>
    [Alias("Boost")] Task<BidResult> Boost(string jobId, int bid);
    /// <summary>Gives back a boost bid a job owes (outbid, or held at a cancellation or removal), once per job and holding.</summary>
    [Alias("GiveBackBid")] Task<RefundResult> GiveBackBid(string jobId, BoostGiveBack owed);
    [Alias("GetHistory")] Task<HistoryPage?> GetHistory(HistoryQuery query);
    /// <summary>The wallet's events after sequence <paramref name="after"/>, in sequence, up to <paramref name="limit"/>
    /// (those of every stored change: any not yet in the events table are recorded first); null if it was never opened.</summary>
    [Alias("GetEvents")] Task<IReadOnlyList<ConnectsEvent>?> GetEvents(long after, int limit);
}
