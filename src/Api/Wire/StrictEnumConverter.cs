using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

/// <summary>Enums travel as their kebab-case names only (their members' <see cref="JsonStringEnumMemberNameAttribute"/>):
/// a number or an unknown name is refused. Registered for every wire enum by <see cref="WireJson.AddWireEnums"/>.</summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
