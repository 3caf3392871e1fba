using Connects.Contracts;

namespace Connects.Domain;

/// <summary>A job as the proposal protocol sees it from one freelancer's wallet: what the wallet asks of it.</summary>
public interface IProposalJob
{
    string JobId { get; }

    /// <summary>Whether the job is posted and open, its price now, and its record of this freelancer's proposal (durable), if any.</summary>
    Task<JobQuote> Quote();

    /// <summary>Records the proposal backed by <paramref name="hold"/> (provisional until the wallet vouches).</summary>
    Task<RecordResult> Record(Hold hold);

    /// <summary>Decides a hold: the record made with it, made to stand for good; or null once the hold is aborted for good.</summary>
    Task<Proposal?> ResolveHold(string holdId);

    /// <summary>The hold behind a provisional record is durable or paid: the record stands. Fire and forget.</summary>
    void Vouch(string holdId);

    /// <summary>The wallet never paid <paramref name="holdId"/> and fenced out any late write of it: a provisional record made
    /// with it goes, and the hold is aborted for good.</summary>
    Task<AbandonOutcome> Abandon(string holdId);
}
