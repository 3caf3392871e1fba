using Microsoft.Extensions.Hosting;

namespace Connects.Silo;

/// <summary>
/// Watches this silo's view of the cluster membership: publishes the silos by status (<c>connects.cluster.silos</c>) and
/// counts the silos declared dead straight from active (<c>connects.cluster.silos.declared.dead</c>). A silo that shuts
/// down gracefully goes through ShuttingDown and Stopping first, so only a silo the others voted dead (or one whose
/// restart superseded a crashed incarnation) counts.
/// </summary>
public sealed class MembershipMetrics(IClusterMembershipService membership, ConnectsMetrics metrics) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveMembership(() => ByStatus(membership.CurrentSnapshot.Members.Values.Select(m => m.Status)));
        Dictionary<SiloAddress, SiloStatus>? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var current = snapshot.Members.ToDictionary(m => m.Key, m => m.Value.Status);
                if (previous is not null) metrics.SilosDeclaredDead(VotedDead(previous, current));
                previous = current;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Silos dead in <paramref name="current"/> that were active in <paramref name="previous"/>.</summary>
    public static int VotedDead<TSilo>(IReadOnlyDictionary<TSilo, SiloStatus> previous, IReadOnlyDictionary<TSilo, SiloStatus> current)
        where TSilo : notnull =>
        current.Count(c => c.Value == SiloStatus.Dead && previous.TryGetValue(c.Key, out var before) && before == SiloStatus.Active);

    /// <summary>How many silos are in each status, by the status's name in words (every status, zero included).</summary>
    public static IReadOnlyDictionary<string, int> ByStatus(IEnumerable<SiloStatus> statuses)
    {
        var counts = Enum.GetValues<SiloStatus>().ToDictionary(Name, _ => 0);
        foreach (var status in statuses) counts[Name(status)]++;
        return counts;
    }

    /// <summary>A status in words: <c>active</c>, <c>shutting-down</c>, <c>dead</c>, ...</summary>
    public static string Name(SiloStatus status) => status switch
    {
        SiloStatus.ShuttingDown => "shutting-down",
        _ => status.ToString().ToLowerInvariant(),
    };
}
