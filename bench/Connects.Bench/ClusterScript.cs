using System.Diagnostics;

namespace Connects.Bench;

/// <summary>Runs <c>deploy/local/cluster.sh</c> with the harness's environment, appends what it printed to a log, and
/// throws when it fails or outlives its timeout (killing it).</summary>
public static class ClusterScript
{
    public static void Run(string script, IReadOnlyDictionary<string, string> env, string log, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var command = string.Join(' ', args);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cluster.sh {command} did not finish within {timeout}");
        }
        File.AppendAllText(log, $"$ cluster.sh {command}\n{stdout.Result}{stderr.Result}");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {command} failed ({process.ExitCode}): {stderr.Result.Trim()} (see {log})");
    }
}
