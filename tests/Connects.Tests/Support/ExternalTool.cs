using System.Diagnostics;
using System.Text;

namespace Connects.Tests.Support;

/// <summary>Runs a command-line tool the contract tests need (npm, npx, dotnet tool) and returns what it printed. A tool
/// that cannot be started or installed fails the test that needs it: it never skips.</summary>
public static class ExternalTool
{
    private static readonly SemaphoreSlim Installing = new(1, 1);
    private static bool _npmInstalled;
    private static bool _dotnetToolsRestored;

    /// <summary>The folder of the contract checks' npm packages, scripts and configuration: tests/contract.</summary>
    public static string ContractFolder => Path.Combine(Repository.Root, "tests", "contract");

    /// <summary>Runs the tool, fails unless it exits 0 (with everything it printed), and returns its standard output.</summary>
    public static async Task<string> Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output)
            {
                output.AppendLine(e.Data);
                standardOutput.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"'{fileName}' cannot be started ({ex.Message}); the contract tests need it on PATH.", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish in time:\n{output}");
        }
        process.WaitForExit(); // drains the redirected output
        Assert.True(process.ExitCode == 0, $"'{fileName} {string.Join(' ', arguments)}' exited with {process.ExitCode}:\n{output}");
        return standardOutput.ToString();
    }

    /// <summary>tests/contract's npm packages at the versions package-lock.json pins (`npm ci` when node_modules is missing).</summary>
    public static async Task EnsureNpmPackages()
    {
        await Installing.WaitAsync();
        try
        {
            if (_npmInstalled) return;
            if (!File.Exists(Path.Combine(ContractFolder, "node_modules", ".package-lock.json")))
                await Run("npm", ["ci", "--no-audit", "--no-fund"], ContractFolder, TimeSpan.FromMinutes(10));
            _npmInstalled = true;
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>Runs a tool of tests/contract's node_modules (never downloads one: <c>npx --no-install</c>).</summary>
    public static async Task<string> Npx(params string[] arguments)
    {
        await EnsureNpmPackages();
        // Redocly: no usage telemetry and no update notice (both would reach out of this machine).
        return await Run("npx", ["--no-install", .. arguments], ContractFolder, environment: new Dictionary<string, string>
        {
            ["REDOCLY_TELEMETRY"] = "off",
            ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true",
        });
    }

    /// <summary>The dotnet tools of .config/dotnet-tools.json (Kiota), restored once.</summary>
    public static async Task<string> DotnetTool(params string[] arguments)
    {
        await Installing.WaitAsync();
        try
        {
            if (!_dotnetToolsRestored) await Run("dotnet", ["tool", "restore"], Repository.Root, TimeSpan.FromMinutes(10));
            _dotnetToolsRestored = true;
        }
        finally
        {
            Installing.Release();
        }
        // Kiota: no update check (it would ask GitHub) and no tutorial hints.
        return await Run("dotnet", ["tool", "run", .. arguments], Repository.Root, environment: new Dictionary<string, string>
        {
            ["KIOTA_OFFLINE_ENABLED"] = "true",
            ["KIOTA_TUTORIAL_ENABLED"] = "false",
        });
    }
}
