using Connects.Domain;

namespace Connects.Contracts;

/// <summary>The demand signal of a job category. Key: the category.</summary>
[Alias("Connects.ICategoryDemandGrain")]
public interface ICategoryDemandGrain : IGrainWithStringKey
{
    [Alias("JobOpened")] Task JobOpened(string jobId);
    [Alias("JobClosed")] Task JobClosed(string jobId);
    [OneWay, Alias("ApplicationReceived")] Task ApplicationReceived();
    [Alias("Measure")] Task<CategoryDemand> Measure();
}
