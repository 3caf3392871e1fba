using System.Globalization;

namespace Connects.Bench;

/// <summary>
/// CPU time of processes from <c>/proc/&lt;pid&gt;/stat</c> (Linux): user + system time, in seconds. A process group
/// (PostgreSQL: the postmaster and its backends) also counts the time of children that already exited and were reaped
/// (the parent's <c>cutime</c> + <c>cstime</c>), so a backend that ends inside a measured window is not lost.
/// </summary>
public static class ProcessCpu
{
    private static readonly double TicksPerSecond = ReadTicksPerSecond();

    /// <summary>User + system seconds of <paramref name="pid"/>; with <paramref name="reapedChildren"/> also those of its
    /// children that exited. 0 when the process is gone.</summary>
    public static double Seconds(int pid, bool reapedChildren = false)
    {
        var f = Fields(pid);
        if (f is null) return 0;
        // After the command's closing parenthesis: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
        var ticks = Long(f[11]) + Long(f[12]) + (reapedChildren ? Long(f[13]) + Long(f[14]) : 0);
        return ticks / TicksPerSecond;
    }

    /// <summary>A process and its direct children (a PostgreSQL postmaster and its backends and workers): their seconds
    /// plus those of children already reaped.</summary>
    public static double TreeSeconds(int parent)
    {
        if (parent <= 0) return 0;
        var total = Seconds(parent, reapedChildren: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == parent) continue;
            var f = Fields(pid);
            if (f is not null && Long(f[1]) == parent) total += (Long(f[11]) + Long(f[12])) / TicksPerSecond;
        }
        return total;
    }

    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The kernel's clock ticks per second (<c>getconf CLK_TCK</c>; 100 on Linux unless told otherwise).</summary>
    private static double ReadTicksPerSecond()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 100;
        }
        catch (System.ComponentModel.Win32Exception) { return 100; }
    }
}

/// <summary>CPU seconds per process kind at one moment; <see cref="Minus"/> gives a window's.</summary>
public sealed record CpuSample(double Silos, double Api, double Postgres, double Generator, IReadOnlyDictionary<int, double> PerSilo)
{
    public double Product => Silos + Api + Postgres;

    public CpuSample Minus(CpuSample before) => new(Silos - before.Silos, Api - before.Api, Postgres - before.Postgres,
        Generator - before.Generator,
        PerSilo.ToDictionary(s => s.Key, s => s.Value - before.PerSilo.GetValueOrDefault(s.Key)));
}
