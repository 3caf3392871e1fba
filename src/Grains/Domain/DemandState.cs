namespace Connects.Domain;

[GenerateSerializer, Alias("Connects.DemandState")]
public sealed class DemandState
{
    [Id(0)] public HashSet<string> OpenJobs { get; set; } = [];
    /// <summary>Applications counted per slot (a 1/24 part of the window), keyed by slot number.</summary>
    [Id(1)] public Dictionary<long, int> ApplicationsBySlot { get; set; } = [];
}
