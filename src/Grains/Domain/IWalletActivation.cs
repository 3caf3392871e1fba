namespace Connects.Domain;

/// <summary>What the proposal protocol needs of the wallet's activation: the time, its writes and its archive.</summary>
public interface IWalletActivation
{
    DateTimeOffset Now { get; }

    /// <summary>Makes this activation's hold ids its own (see <see cref="Wallet.Reserve"/>).</summary>
    string HoldTag { get; }

    /// <summary>Writes the wallet durably. A failed write drops the activation: its memory may hold what storage does not.</summary>
    Task Save();

    /// <summary>Lets decided changes ride on the next write, or a write shortly after.</summary>
    void SaveSoon();

    /// <summary>A hold's fate is unknown for now (its job did not answer): settle it with its job later.</summary>
    void ResolveHoldsLater();

    /// <summary>A receipt moved out of the wallet to its receipt books: those from <paramref name="appliedFrom"/>'s cycle on,
    /// or without it those of the idempotency window.</summary>
    Task<Receipt?> FindArchivedReceipt(string key, DateTimeOffset? appliedFrom);

    /// <summary>A step that is retried later anyway could not be taken now (logged, not thrown).</summary>
    void Deferred(string what, Exception cause);
}
