namespace Connects.Domain;

/// <summary>
/// The codes of the refusals a <see cref="ConnectsRuleException"/> carries: each names why a request was refused and
/// becomes the problem type of the API's answer (<c>/problems/{code}</c>). Not to be confused with the rules' numbers,
/// <see cref="WalletRules"/> and <see cref="PricingRules"/>.
/// </summary>
public static class Refusals
{
    public const string InvalidBundle = "invalid-bundle";
    public const string InvalidAmount = "invalid-amount";
    public const string InvalidExpiry = "invalid-expiry";
    public const string WalletNotOpen = "wallet-not-found";
    public const string JobNotFound = "job-not-found";
    public const string JobNotOpen = "job-not-open";
    public const string JobConflict = "job-conflict";
    public const string ProposalNotFound = "proposal-not-found";
    public const string ProposalNotActive = "proposal-not-active";
    public const string InsufficientConnects = "insufficient-connects";
    public const string PriceChanged = "price-changed";
    public const string ReferenceReused = "reference-reused";
    public const string BidNotHigher = "bid-not-higher";
    public const string AuctionClosed = "auction-closed";
}
