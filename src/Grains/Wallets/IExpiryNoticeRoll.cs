namespace Connects.Grains;

/// <summary>
/// When each wallet's next expiring notices fall due (<see cref="Connects.Domain.Wallet.ExpiryNoticeDue"/>): a row per
/// wallet and instant, written before the write that adds a bucket with an expiry (idempotent), read by the
/// <see cref="ExpiryNoticeGrain"/> once due and removed once the wallet was brought up to that instant. Kept in its own
/// table, so an idle wallet's notice needs no reminder of its own and no grain in memory.
/// </summary>
public interface IExpiryNoticeRoll
{
    Task Enroll(DateTimeOffset dueAt, string freelancerId);

    /// <summary>Up to <paramref name="count"/> entries due at or before <paramref name="now"/>, in (due, freelancer)
    /// order, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<ExpiryNoticeDue>> Due(DateTimeOffset now, ExpiryNoticeDue? after, int count);

    Task Remove(ExpiryNoticeDue entry);
}

/// <summary>A wallet whose expiring notice falls due at <paramref name="DueAt"/> (to the second).</summary>
public sealed record ExpiryNoticeDue(DateTimeOffset DueAt, string FreelancerId);
