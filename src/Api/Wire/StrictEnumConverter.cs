using System.Text.Json;
using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

/// <summary>Enums travel as their kebab-case names only (their members' <see cref="JsonStringEnumMemberNameAttribute"/>):
/// a number, an unknown name or a comma-separated list of names (which the framework's converter would read as the
/// members OR-ed together, e.g. <c>"basic,plus"</c> as <c>plus</c>) is refused. Registered for every wire enum by
/// <see cref="WireJson.AddWireEnums"/>; the OpenAPI document lists the names (<see cref="ApiDocument"/>).</summary>
public sealed class StrictEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private static readonly JsonConverter<TEnum> Names = (JsonConverter<TEnum>)new JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
        .CreateConverter(typeof(TEnum), JsonSerializerOptions.Default)!;

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.GetString()!.Contains(',', StringComparison.Ordinal))
            throw new JsonException($"One {typeof(TEnum).Name} name is expected, not a list.");
        return Names.Read(ref reader, typeToConvert, options);
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => Names.Write(writer, value, options);
}
