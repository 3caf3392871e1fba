namespace Connects.Domain;

public sealed record AuditTotals(
    int Wallets, int Jobs, int Proposals, long Balance,
    long Opened, long Refreshed, long Granted, long Purchased, long Refunded,
    long Spent, long Forfeited, long Expired, long BoostBids = 0, long BoostGivenBack = 0)
{
    public long Issued => Opened + Refreshed + Granted + Purchased;
    /// <summary>Connects bid and not given back: held by winners or kept from winners who withdrew.</summary>
    public long BoostHeld => BoostBids - BoostGivenBack;
}
