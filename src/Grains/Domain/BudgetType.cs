using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<BudgetType>))]
public enum BudgetType
{
    [JsonStringEnumMemberName("fixed")] Fixed,
    [JsonStringEnumMemberName("hourly")] Hourly,
}
