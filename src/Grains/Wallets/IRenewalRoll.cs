using Connects.Domain;

namespace Connects.Grains;

/// <summary>
/// Which wallets renew on each day of the month: one entry per wallet, made when it opens (idempotent). Kept in its own
/// table rather than in a grain's state, so a cohort of any size costs one insert per wallet and is read page by page.
/// </summary>
public interface IRenewalRoll
{
    Task Enroll(RenewalDay day, string freelancerId);

    /// <summary>Up to <paramref name="count"/> freelancer ids of the day, in ordinal order, after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<string>> Members(RenewalDay day, string? after, int count);
}
