using System.Text.Json;

namespace Connects.Api.Wire;

/// <summary>
/// How the API's enums travel in JSON: each as its name only (<see cref="StrictEnumConverter{TEnum}"/>). Program.cs adds
/// these converters to the API's JSON options; the domain's enums carry no wire format of their own. An XML summary on a
/// wire enum is its description in the API reference (OpenAPI).
/// </summary>
public static class WireJson
{
    private static readonly JsonSerializerOptions Names = new JsonSerializerOptions().AddWireEnums();

    public static JsonSerializerOptions AddWireEnums(this JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new StrictEnumConverter<Plan>());
        options.Converters.Add(new StrictEnumConverter<BucketSource>());
        options.Converters.Add(new StrictEnumConverter<LedgerKind>());
        options.Converters.Add(new StrictEnumConverter<BudgetType>());
        options.Converters.Add(new StrictEnumConverter<ProjectDuration>());
        options.Converters.Add(new StrictEnumConverter<JobStatus>());
        options.Converters.Add(new StrictEnumConverter<ProposalStatus>());
        options.Converters.Add(new StrictEnumConverter<CancelReason>());
        return options;
    }

    /// <summary>The wire name of <paramref name="value"/>, as it appears in JSON (for the CSV history).</summary>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum =>
        JsonSerializer.Serialize(value, Names).Trim('"');
}
