using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http;

namespace Connects.Tests.Support;

/// <summary>A host of the service as a real process (the built Connects.Api.dll or Connects.Silo.dll), so a test can
/// kill it with SIGKILL, start it in any environment and working directory, and read what it logged.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    public HttpClient Http { get; }

    private ServiceProcess(Process process, HttpClient http, ConcurrentQueue<string> output)
    {
        _process = process;
        Http = http;
        _output = output;
    }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The API as the quick start runs it (Development, co-hosting a silo) on the SQLite file given.</summary>
    public static Task<ServiceProcess> Start(string databasePath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Connects__Storage__SqlitePath"] = databasePath,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        return StartHost("Api", Path.GetDirectoryName(databasePath)!, environment);
    }

    /// <summary>Starts host <paramref name="project"/> ("Api" or "Silo") with its own ports, waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartHost(string project, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var (process, output, port) = Launch(project, workingDirectory, environment);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        // Generous: a 2-core machine running the rest of the suite beside this start.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The {project} host exited with {process.ExitCode} while starting:\n{string.Join('\n', output)}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The {project} host did not become ready:\n{string.Join('\n', output)}");
            await Task.Delay(250);
        }
        return new ServiceProcess(process, http, output);
    }

    /// <summary>Starts a host that must refuse to start: returns its exit code and everything it wrote.</summary>
    public static Task<(int ExitCode, string Output)> StartExpectingRefusal(string project, string workingDirectory, IReadOnlyDictionary<string, string> environment) =>
        RunToExit(project, workingDirectory, environment);

    /// <summary>Runs host <paramref name="project"/> with <paramref name="arguments"/> until it exits by itself (within two
    /// minutes): its exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExit(string project, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        params string[] arguments)
    {
        var (process, output, _) = Launch(project, workingDirectory, environment, arguments);
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"The {project} host kept running instead of exiting:\n{string.Join('\n', output)}");
            }
            process.WaitForExit(); // drains the redirected output
            return (process.ExitCode, string.Join('\n', output));
        }
    }

    private static (Process Process, ConcurrentQueue<string> Output, int Port) Launch(string project, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        params string[] arguments)
    {
        var port = ApiFactory.FreePort();
        var info = new ProcessStartInfo("dotnet", [HostAssembly(project), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.Environment["Urls"] = $"http://127.0.0.1:{port}";
        info.Environment["Connects__Silo__SiloPort"] = ApiFactory.FreePort().ToString();
        info.Environment["Connects__Silo__GatewayPort"] = ApiFactory.FreePort().ToString();
        info.Environment["Connects__Silo__ClusterId"] = "process-" + port;
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var output = new ConcurrentQueue<string>();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output, port);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task Kill()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await Kill();
        _process.Dispose();
        Http.Dispose();
    }

    private static string HostAssembly(string project)
    {
        var dll = Path.Combine(Repository.Root, "src", project, "bin", Repository.Configuration, "net10.0", $"Connects.{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first.", dll);
    }
}
