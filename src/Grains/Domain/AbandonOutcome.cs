namespace Connects.Domain;

/// <summary>What a job did when a wallet said it never paid for a hold.</summary>
[GenerateSerializer]
public enum AbandonOutcome
{
    /// <summary>A provisional record made with that hold was removed, and the hold aborted for good.</summary>
    Removed,
    /// <summary>No record was made with that hold; it is now aborted for good (a late record of it is refused).</summary>
    Aborted,
    /// <summary>No record was made with that hold, and it was aborted before.</summary>
    AlreadyAborted,
    /// <summary>The record made with that hold is vouched for (or refunded): it stands, nothing changed.</summary>
    Stands,
}
