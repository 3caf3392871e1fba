namespace Connects.Tests.Support;

public static class Repository
{
    private static readonly DirectoryInfo TestBin = new(AppContext.BaseDirectory); // tests/Connects.Tests/bin/<Configuration>/net10.0/

    /// <summary>The build configuration the tests run in (Debug or Release): the binaries they start are of the same.</summary>
    public static string Configuration => TestBin.Parent!.Name;

    public static string Root
    {
        get
        {
            var dir = TestBin;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Connects.Orleans.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root from " + AppContext.BaseDirectory);
        }
    }
}
