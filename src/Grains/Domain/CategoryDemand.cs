namespace Connects.Domain;

/// <summary>Recent applications and open jobs in a category: the demand signal.</summary>
/// <remarks>Id 0 (the category, which nothing read: the job asks its own category's grain) is retired: never reuse it.</remarks>
[GenerateSerializer, Immutable, Alias("Connects.CategoryDemand")]
public sealed record CategoryDemand(
    [property: Id(1)] int RecentApplications,
    [property: Id(2)] int OpenJobs,
    [property: Id(3)] DateTimeOffset MeasuredAt)
{
    public double ApplicationsPerJob => RecentApplications / (double)Math.Max(1, OpenJobs);
}
