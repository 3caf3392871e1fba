namespace Connects.Domain;

public enum ProjectDuration
{
    LessThan1Week,
    OneToFourWeeks,
    OneToThreeMonths,
    ThreeToSixMonths,
    MoreThanSixMonths,
}
