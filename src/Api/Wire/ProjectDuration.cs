using System.Text.Json.Serialization;

namespace Connects.Api.Wire;

// Domain.ProjectDuration on the wire, by these names only: member for member, same names and values (mapped by WireEnums).
public enum ProjectDuration
{
    [JsonStringEnumMemberName("less-than-1-week")] LessThan1Week,
    [JsonStringEnumMemberName("1-4-weeks")] OneToFourWeeks,
    [JsonStringEnumMemberName("1-3-months")] OneToThreeMonths,
    [JsonStringEnumMemberName("3-6-months")] ThreeToSixMonths,
    [JsonStringEnumMemberName("more-than-6-months")] MoreThanSixMonths,
}
