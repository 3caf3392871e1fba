namespace Connects.Domain;

public sealed record AuditTotals(
    int Wallets, int Jobs, int Proposals, long Balance,
    long Opened, long Refreshed, long Granted, long Purchased, long Refunded,
    long Spent, long Forfeited, long Expired)
{
    public long Issued => Opened + Refreshed + Granted + Purchased;
}
