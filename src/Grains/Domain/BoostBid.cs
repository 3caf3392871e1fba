namespace Connects.Domain;

/// <summary>
/// One freelancer's boost bid on a job, and the Connects behind it. Per bid, always:
/// <c>Charged = GivenBack + (owed back, <see cref="JobState.GiveBacksOwed"/>) + held + Kept</c> (<see cref="Auction.Unaccounted"/>).
/// </summary>
[GenerateSerializer, Alias("Connects.BoostBid")]
public sealed class BoostBid
{
    [Id(0)] public string FreelancerId { get; set; } = "";
    /// <summary>The freelancer's latest bid (held while <see cref="Boosted"/>; kept as the bar a raise must pass otherwise).</summary>
    [Id(1)] public int Bid { get; set; }
    /// <summary>When the current amount was bid, in the job's order of bids: equal bids rank by who bid first.</summary>
    [Id(2)] public long BidOrder { get; set; }
    [Id(3)] public DateTimeOffset BidAt { get; set; }
    /// <summary>How many times this freelancer entered the top spots on this job: the current holding's number.</summary>
    [Id(4)] public int Generation { get; set; }
    /// <summary>In the top spots now: <see cref="Held"/> is the bid, charged.</summary>
    [Id(5)] public bool Boosted { get; set; }
    /// <summary>The Connects held for the current holding, with their sources and expiries (a give-back restores them).</summary>
    [Id(6)] public List<Slice> Held { get; set; } = [];
    /// <summary>Every Connect ever charged for this bid.</summary>
    [Id(7)] public int Charged { get; set; }
    /// <summary>Connects given back and marked delivered (returns after an outbid, refunds after a cancellation).</summary>
    [Id(8)] public int GivenBack { get; set; }
    /// <summary>Connects kept for good: the holding of a winner who withdrew (no refund, as for the proposal).</summary>
    [Id(9)] public int Kept { get; set; }
    /// <summary>The wallet holds placed with this bid and what each was charged: a wallet settling a hold asks here.</summary>
    [Id(10)] public Dictionary<string, int> PlacedHolds { get; set; } = [];

    public int HeldAmount => Held.Sum(s => s.Amount);
}
