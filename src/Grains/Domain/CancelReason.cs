namespace Connects.Domain;

public enum CancelReason
{
    ClientCancelled,
    RemovedByMarketplace,
}
