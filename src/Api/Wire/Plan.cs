using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.Plan on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum Plan
{
    [JsonStringEnumMemberName("basic")] Basic,
    [JsonStringEnumMemberName("plus")] Plus,
}
