namespace Connects;

public static class ConnectsStorage
{
    /// <summary>Name of the grain storage provider every Connects grain persists to.</summary>
    public const string Name = "connects";
}
