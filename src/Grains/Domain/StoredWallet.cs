namespace Connects.Domain;

/// <summary>A wallet as stored: its state and the entries of its closed cycles (statements).</summary>
public sealed record StoredWallet(string FreelancerId, WalletState State, IReadOnlyList<LedgerEntry> Archived);
