using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The archived ledger entries of a year of closed billing cycles of one wallet. Key: freelancer and statement
/// number (see <see cref="GrainKeys"/>, <see cref="History.StatementOf"/>). Entries are added, never replaced; adding
/// the same entries again is harmless.</summary>
[Alias("Connects.IStatementGrain")]
public interface IStatementGrain : IGrainWithStringKey
{
    [Alias("Write")] Task Write(IReadOnlyList<LedgerEntry> entries);
    [Alias("Read")] Task<IReadOnlyList<LedgerEntry>> Read();
}
