using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Connects.Tests.Support;

/// <summary>The whole service as the quick start runs it (API co-hosting a silo on SQLite), in a temp folder.</summary>
public sealed class ApiFactory(string databasePath, IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development")
    : WebApplicationFactory<Program>
{
    private readonly int _siloPort = FreePort();
    private readonly int _gatewayPort = FreePort();

    public string DatabasePath => databasePath;

    /// <summary>Services a test puts in place of the service's own (a fake clock, say), after the service's.</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("Connects:Storage:SqlitePath", databasePath);
        builder.UseSetting("Connects:Silo:SiloPort", _siloPort.ToString());
        builder.UseSetting("Connects:Silo:GatewayPort", _gatewayPort.ToString());
        builder.UseSetting("Connects:Silo:ClusterId", "test-" + _siloPort);
        // The sandbox clock is for development and tests; a Production host refuses to start with it.
        builder.UseSetting("Connects:Sandbox:Enabled", environment == "Production" ? "false" : "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        if (TestServices is { } services) Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.ConfigureTestServices(builder, services);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One service for a test class, on its own SQLite file.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private readonly TempDatabase _folder = new(migrate: false);
    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Factory = new ApiFactory(Path.Combine(_folder.Folder, "connects.db"));
        Client = Factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        _folder.Dispose();
    }
}
