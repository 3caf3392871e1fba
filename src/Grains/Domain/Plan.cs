using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<Plan>))]
public enum Plan
{
    [JsonStringEnumMemberName("basic")] Basic,
    [JsonStringEnumMemberName("plus")] Plus,
}
