namespace Connects.Domain;

/// <summary>The persisted state of one freelancer's wallet. Holds only the open cycle's ledger
/// (plus closed cycles not yet archived to statements), so its size does not grow with age.</summary>
[GenerateSerializer, Alias("Connects.WalletState")]
public sealed class WalletState
{
    [Id(0)] public string FreelancerId { get; set; } = "";
    [Id(1)] public bool IsOpen { get; set; }
    [Id(2)] public Plan Plan { get; set; }
    /// <summary>A plan that takes effect when the current cycle ends (a downgrade).</summary>
    [Id(3)] public Plan? NextPlan { get; set; }
    [Id(4)] public DateTimeOffset Anchor { get; set; }
    /// <summary>Index of the current billing cycle: every cycle before it has been closed and refreshed.</summary>
    [Id(5)] public int Cycle { get; set; }
    [Id(6)] public List<Bucket> Buckets { get; set; } = [];
    [Id(7)] public List<Hold> Holds { get; set; } = [];
    [Id(8)] public List<LedgerEntry> Entries { get; set; } = [];
    [Id(9)] public int Balance { get; set; }
    [Id(10)] public long NextSequence { get; set; } = 1;
    [Id(11)] public long NextHoldNumber { get; set; } = 1;
    /// <summary>Purchases, grants and refunds applied and not yet archived to the receipt book.</summary>
    [Id(12)] public Dictionary<string, Receipt> Receipts { get; set; } = [];
    [Id(13)] public LedgerTotals Totals { get; set; } = new();
    [Id(14)] public int UpgradeGrantedCycle { get; set; } = -1;
    /// <summary>Years of cycles that have a receipt book (<see cref="ReceiptBooks"/>), ascending; null while there is none
    /// (an idle wallet carries no list).</summary>
    [Id(15)] public List<int>? ReceiptBookYears { get; set; }
    /// <summary>Archived receipts are kept in books per year. False for wallets stored before that: their archived receipts
    /// may still be in the one book of old (keyed by the freelancer alone), which is moved to books per year when first
    /// needed (<see cref="Wallet.KeepsLegacyReceiptBook"/>).</summary>
    [Id(16)] public bool ReceiptBooksByYear { get; set; }
    /// <summary>Holds for boost bids (<see cref="BoostProtocol"/>), apart from the proposals' holds (one per job each); null
    /// while there is none.</summary>
    [Id(17)] public List<Hold>? BidHolds { get; set; }
    /// <summary>Every ledger entry with a smaller sequence is in the events table (<see cref="WalletEvents"/>). Raised in
    /// memory once the entries are recorded there, stored with the next write; 0 for a wallet stored before events.</summary>
    [Id(18)] public long EventsRecordedBefore { get; set; }
    /// <summary>A low-balance notice was given and the available Connects have not risen to the threshold since: the next
    /// fall below it is not a new crossing (<see cref="Wallet.Notice"/>).</summary>
    [Id(19)] public bool LowBalanceNoticed { get; set; }
    /// <summary>The buckets (source and expiry) whose expiring notice was given, until they expire; null while there is
    /// none, so an idle wallet carries none outside the notice window.</summary>
    [Id(20)] public List<ExpiryNoticeGiven>? ExpiryNoticesGiven { get; set; }
}

/// <summary>The bucket of <paramref name="Source"/> expiring at <paramref name="ExpiresAt"/> had its expiring notice.</summary>
[GenerateSerializer, Immutable, Alias("Connects.ExpiryNoticeGiven")]
public sealed record ExpiryNoticeGiven([property: Id(0)] BucketSource Source, [property: Id(1)] DateTimeOffset ExpiresAt);
