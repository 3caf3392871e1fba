using System.Text.Json.Serialization;

namespace Connects.Domain;

[JsonConverter(typeof(StrictEnumConverter<ProjectDuration>))]
public enum ProjectDuration
{
    [JsonStringEnumMemberName("less-than-1-week")] LessThan1Week,
    [JsonStringEnumMemberName("1-4-weeks")] OneToFourWeeks,
    [JsonStringEnumMemberName("1-3-months")] OneToThreeMonths,
    [JsonStringEnumMemberName("3-6-months")] ThreeToSixMonths,
    [JsonStringEnumMemberName("more-than-6-months")] MoreThanSixMonths,
}
