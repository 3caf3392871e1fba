namespace Connects.Domain;

public static class ReceiptKeys
{
    public static string Purchase(string paymentReference) => "purchase:" + paymentReference;
    public static string Grant(string grantId) => "grant:" + grantId;
    public static string Refund(string jobId) => "refund:" + jobId;
    /// <summary>A proposal to a job, paid (captured); also the reference of its spend entry.</summary>
    public static string Paid(string jobId) => "proposal:" + jobId;
    /// <summary>A boost bid given back (returned or refunded): once per job and holding (<see cref="BoostGiveBack.Generation"/>).</summary>
    public static string BoostBack(string jobId, int generation) => $"boost:{jobId}#{generation}";
}
