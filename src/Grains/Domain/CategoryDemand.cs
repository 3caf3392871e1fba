namespace Connects.Domain;

/// <summary>Recent applications and open jobs in a category: the demand signal.</summary>
[GenerateSerializer, Immutable, Alias("Connects.CategoryDemand")]
public sealed record CategoryDemand(
    [property: Id(0)] string Category,
    [property: Id(1)] int RecentApplications,
    [property: Id(2)] int OpenJobs,
    [property: Id(3)] DateTimeOffset MeasuredAt)
{
    public double ApplicationsPerJob => RecentApplications / (double)Math.Max(1, OpenJobs);
}
