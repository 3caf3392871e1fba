using System.Diagnostics;
using System.Net.Http;

namespace Connects.Tests.Support;

/// <summary>The API as a real process (the built Connects.Api.dll), so a test can kill it with SIGKILL.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    public HttpClient Http { get; }

    private ServiceProcess(Process process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public static async Task<ServiceProcess> Start(string databasePath)
    {
        var port = ApiFactory.FreePort();
        var info = new ProcessStartInfo("dotnet", [ApiAssembly()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(databasePath)!,
        };
        info.Environment["Urls"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Connects__Storage__SqlitePath"] = databasePath;
        info.Environment["Connects__Silo__SiloPort"] = ApiFactory.FreePort().ToString();
        info.Environment["Connects__Silo__GatewayPort"] = ApiFactory.FreePort().ToString();
        info.Environment["Connects__Silo__ClusterId"] = "kill-" + port;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Sized for a 2-core machine running the whole suite: a request may take seconds, and so may a start.
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await Eventually.Until(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"The service exited with {process.ExitCode} while starting.");
            try
            {
                return (await http.GetAsync("/health/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the service to become ready", deadline: TimeSpan.FromSeconds(120), poll: TimeSpan.FromMilliseconds(250));
        return new ServiceProcess(process, http);
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

    private static string ApiAssembly()
    {
        var dll = Path.Combine(Repository.Root, "src", "Api", "bin", Repository.Configuration, "net10.0", "Connects.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first.", dll);
    }
}
