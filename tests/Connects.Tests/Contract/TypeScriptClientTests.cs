using System.Text.RegularExpressions;
using Connects.Tests.Support;

namespace Connects.Tests.Contract;

/// <summary>A TypeScript web tier's client: openapi-typescript's types from the live document, and tests/contract/flows.ts
/// (the README's main flows over openapi-fetch) compiled against them with the pinned TypeScript 5.</summary>
[Collection(ContractCollection.Name)]
public sealed partial class TypeScriptClientTests(LiveContract live)
{
    [Fact]
    public async Task The_main_flows_compile_against_types_generated_from_the_live_document()
    {
        await ExternalTool.Npx("openapi-typescript", live.DocumentPath, "-o", Path.Combine("generated", "connects.ts"));
        var version = await ExternalTool.Npx("tsc", "--version");
        Assert.StartsWith("Version 5.", version.Trim());
        await ExternalTool.Npx("tsc", "--noEmit", "-p", "tsconfig.json");
    }

    [Fact]
    public void The_program_reads_the_answers_with_no_cast_and_no_any()
    {
        var program = File.ReadAllText(Path.Combine(ExternalTool.ContractFolder, "flows.ts"));
        Assert.DoesNotMatch(Cast(), program);
        Assert.Contains("\"required\" in broke.error", program, StringComparison.Ordinal);
        Assert.Contains("\"currentBid\" in notHigher.error", program, StringComparison.Ordinal);
    }

    /// <summary>`x as T`, `&lt;T&gt;x`, `: any`, a non-null assertion `x!.` or a ts-ignore.</summary>
    [GeneratedRegex(@"\bas\s+(?!const\b)[A-Za-z{\[]|<[A-Z][A-Za-z]*>\s*[a-z(]|:\s*any\b|[\w)\]]!\.|@ts-(ignore|expect-error|nocheck)")]
    private static partial Regex Cast();
}
