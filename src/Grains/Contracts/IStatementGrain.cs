using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The ledger entries of one closed billing cycle of one wallet. Key: freelancer and cycle (see <see cref="GrainKeys"/>).
/// Written once when the cycle closes (rewriting it with the same entries is harmless).</summary>
[Alias("Connects.IStatementGrain")]
public interface IStatementGrain : IGrainWithStringKey
{
    [Alias("Write")] Task Write(IReadOnlyList<LedgerEntry> entries);
    [Alias("Read")] Task<IReadOnlyList<LedgerEntry>> Read();
}

/// <summary>Every purchase, grant and refund a wallet applied in closed cycles, so a retry years later
/// is still recognised. Key: the freelancer id.</summary>
[Alias("Connects.IReceiptBookGrain")]
public interface IReceiptBookGrain : IGrainWithStringKey
{
    [Alias("Find")] Task<Receipt?> Find(string key);
    [Alias("Add")] Task Add(IReadOnlyList<Receipt> receipts);
}
