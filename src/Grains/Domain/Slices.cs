namespace Connects.Domain;

public static class Slices
{
    /// <summary>Takes <paramref name="amount"/> from the front of <paramref name="slices"/> (soonest expiring first).</summary>
    public static (List<Slice> Taken, List<Slice> Remaining) Take(IEnumerable<Slice> slices, int amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var taken = new List<Slice>();
        var rest = new List<Slice>();
        var left = amount;
        foreach (var slice in slices)
        {
            var take = Math.Min(left, slice.Amount);
            if (take > 0) taken.Add(slice with { Amount = take });
            if (slice.Amount - take > 0) rest.Add(slice with { Amount = slice.Amount - take });
            left -= take;
        }
        if (left > 0) throw new InvalidOperationException($"Cannot take {amount} Connects from slices holding {amount - left}.");
        return (taken, rest);
    }

    /// <summary>Orders by expiry, soonest first; Connects that never expire come last.</summary>
    public static int CompareExpiry(DateTimeOffset? a, DateTimeOffset? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        _ => a.Value.CompareTo(b.Value),
    };
}
