namespace Connects.Domain;

[GenerateSerializer, Alias("Connects.JobState")]
public sealed class JobState
{
    [Id(0)] public string JobId { get; set; } = "";
    [Id(1)] public bool IsPosted { get; set; }
    [Id(2)] public string ClientId { get; set; } = "";
    [Id(3)] public JobTerms Terms { get; set; } = new(0, BudgetType.Fixed, ProjectDuration.LessThan1Week);
    [Id(4)] public string Category { get; set; } = "";
    [Id(5)] public JobStatus Status { get; set; }
    [Id(6)] public DateTimeOffset PostedAt { get; set; }
    [Id(7)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(8)] public CancelReason? CancelReason { get; set; }
    [Id(9)] public string? HiredFreelancerId { get; set; }
    [Id(10)] public Dictionary<string, Proposal> Proposals { get; set; } = [];
    /// <summary>Holds the job refused for good after a wallet found them expired: a late record of one is refused.</summary>
    [Id(11)] public HashSet<string> AbortedHolds { get; set; } = [];
    /// <summary>Boost bids by freelancer (<see cref="Auction"/>). Jobs stored before boosts read none.</summary>
    [Id(12)] public Dictionary<string, BoostBid> Bids { get; set; } = [];
    /// <summary>Set at the job's first hire: the auction closed then, before its time ran out.</summary>
    [Id(13)] public DateTimeOffset? AuctionClosedAt { get; set; }
    /// <summary>Freelancers the client invited: their proposal itself costs no Connects.</summary>
    [Id(14)] public HashSet<string> Invited { get; set; } = [];
    /// <summary>Boost bids owed back to their wallets (outbid, or held at a cancellation or removal), not yet delivered.</summary>
    [Id(15)] public List<BoostGiveBack> GiveBacksOwed { get; set; } = [];
    /// <summary>The order of the next bid: equal bids rank by who bid first.</summary>
    [Id(16)] public long NextBidOrder { get; set; }
    /// <summary>The sequence of the job's last event (<see cref="JobEvents"/>): its events are numbered 1, 2, ...</summary>
    [Id(17)] public long EventSequence { get; set; }
    /// <summary>The job's outbox: its events stored with the change that made them and not yet known to be in the events
    /// table, in sequence; null while there is none.</summary>
    [Id(18)] public List<ConnectsEvent>? PendingEvents { get; set; }
    /// <summary>The job's price in Connects when it was last posted or edited (what its events last said), 0 before events.</summary>
    [Id(19)] public int LastPrice { get; set; }
}
