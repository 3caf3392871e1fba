using System.Text.Json;
using Connects.Tests.Support;

namespace Connects.Tests.Contract;

/// <summary>The service as the quick start runs it, and its OpenAPI document as a client developer fetches it, written to
/// a file for the external tools (Redocly, Kiota, openapi-typescript). One for the Contract collection.</summary>
public sealed class LiveContract : IAsyncLifetime
{
    private readonly TempDatabase _folder = new(migrate: false);
    public ApiFactory Factory { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>/openapi/v1.json as served.</summary>
    public string DocumentText { get; private set; } = "";

    public JsonElement Document { get; private set; }

    /// <summary>A folder of this run's own for the tools' inputs and outputs.</summary>
    public string WorkFolder => _folder.Folder;

    /// <summary>The live document as a file: <c>&lt;work&gt;/contract/openapi.json</c>.</summary>
    public string DocumentPath => Path.Combine(WorkFolder, "contract", "openapi.json");

    public async Task InitializeAsync()
    {
        Factory = new ApiFactory(Path.Combine(_folder.Folder, "connects.db"));
        Http = Factory.CreateClient();
        DocumentText = await Http.GetStringAsync("/openapi/v1.json");
        Document = JsonDocument.Parse(DocumentText).RootElement.Clone();
        Directory.CreateDirectory(Path.GetDirectoryName(DocumentPath)!);
        await File.WriteAllTextAsync(DocumentPath, DocumentText);
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        _folder.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ContractCollection : ICollectionFixture<LiveContract>
{
    public const string Name = "Contract";
}
