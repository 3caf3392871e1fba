using System.Diagnostics;

namespace Connects.Tests.Support;

/// <summary>Runs a command-line tool to its end and returns its exit code and everything it printed.</summary>
public static class Tool
{
    public static async Task<(int ExitCode, string Output)> Run(string fileName, IEnumerable<string> arguments, string? input = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = Repository.Root,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>promtool from deploy/tools/promtool.sh (Debian's prometheus package, unpacked): fails, never skips, without it.</summary>
    public static async Task<string> Promtool()
    {
        var (exit, output) = await Run("bash", [Path.Combine(Repository.Root, "deploy", "tools", "promtool.sh")]);
        Assert.True(exit == 0, "promtool could not be had: " + output);
        return output.Trim().Split('\n')[^1];
    }
}
