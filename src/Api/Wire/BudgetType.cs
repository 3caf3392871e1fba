using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.BudgetType on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum BudgetType
{
    [JsonStringEnumMemberName("fixed")] Fixed,
    [JsonStringEnumMemberName("hourly")] Hourly,
}
