using System.Text.Json.Serialization;

namespace Connects.Domain;

/// <summary>Enums travel as their kebab-case names only: a number or an unknown name is refused.</summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
