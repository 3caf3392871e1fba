using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The purchases, grants, refunds and paid proposals a wallet applied in a year of closed cycles, so a retry is
/// still recognised after they left the wallet. Key: freelancer and year (<see cref="GrainKeys.ReceiptBook"/>,
/// <see cref="ReceiptBooks"/>); the freelancer alone for the one book wallets kept before books per year
/// (<see cref="GrainKeys.LegacyReceiptBook"/>). Receipts are added, never replaced; adding the same again is harmless.</summary>
[Alias("Connects.IReceiptBookGrain")]
public interface IReceiptBookGrain : IGrainWithStringKey
{
    [Alias("Find")] Task<Receipt?> Find(string key);
    [Alias("Add")] Task Add(IReadOnlyList<Receipt> receipts);
    /// <summary>Every receipt of the book (to move the old single book to books per year).</summary>
    [Alias("All")] Task<IReadOnlyList<Receipt>> All();
    /// <summary>Empties the book and clears its stored row (the old single book, once moved).</summary>
    [Alias("Clear")] Task Clear();
}
