using System.Text.Json;
using Connects.Api.Wire;

namespace Connects.Tests.Api;

/// <summary>
/// The API's enums (Connects.Api.Wire) are its own, apart from the domain's: each mirrors a domain enum member for
/// member (WireEnums maps them by value), and goes on the wire by the names pinned here, never by number.
/// </summary>
public sealed class WireEnumTests
{
    public static TheoryData<Type, Type> Pairs() => new()
    {
        { typeof(Connects.Domain.Plan), typeof(Plan) },
        { typeof(Connects.Domain.BucketSource), typeof(BucketSource) },
        { typeof(Connects.Domain.LedgerKind), typeof(LedgerKind) },
        { typeof(Connects.Domain.BudgetType), typeof(BudgetType) },
        { typeof(Connects.Domain.ProjectDuration), typeof(ProjectDuration) },
        { typeof(Connects.Domain.JobStatus), typeof(JobStatus) },
        { typeof(Connects.Domain.ProposalStatus), typeof(ProposalStatus) },
        { typeof(Connects.Domain.CancelReason), typeof(CancelReason) },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Each_wire_enum_has_the_members_of_its_domain_enum_with_the_same_values(Type domain, Type wire)
    {
        Assert.Equal(Members(domain), Members(wire));

        static List<(string, long)> Members(Type type) =>
            [.. Enum.GetValues(type).Cast<Enum>().Select(v => (v.ToString(), Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    [Fact]
    public void Every_wire_enum_has_a_strict_converter_in_the_API_options()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web).AddWireEnums();
        var wireEnums = typeof(WireJson).Assembly.GetTypes().Where(t => t.IsEnum && t.Namespace == typeof(WireJson).Namespace).ToList();
        Assert.Equal(8, wireEnums.Count);
        foreach (var type in wireEnums)
        {
            foreach (var value in Enum.GetValues(type))
                Assert.StartsWith("\"", JsonSerializer.Serialize(value, type, options));
            Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("0", type, options));
            Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("\"no-such-name\"", type, options));
        }
    }

    [Fact]
    public void The_wire_names_are_the_published_ones()
    {
        Assert.Equal(["basic", "plus"], Names<Plan>());
        Assert.Equal(["monthly", "rollover", "purchase", "grant"], Names<BucketSource>());
        Assert.Equal(["opened", "monthly-refresh", "rollover", "forfeit", "purchase", "grant", "spend", "refund", "expiry",
            "boost-bid", "boost-returned", "boost-refunded", "low-balance", "expiring"], Names<LedgerKind>());
        Assert.Equal(["fixed", "hourly"], Names<BudgetType>());
        Assert.Equal(["less-than-1-week", "1-4-weeks", "1-3-months", "3-6-months", "more-than-6-months"], Names<ProjectDuration>());
        Assert.Equal(["open", "filled", "cancelled", "removed"], Names<JobStatus>());
        Assert.Equal(["active", "withdrawn", "declined", "hired", "refunded"], Names<ProposalStatus>());
        Assert.Equal(["client-cancelled", "removed-by-marketplace"], Names<CancelReason>());

        static string[] Names<TEnum>() where TEnum : struct, Enum => [.. Enum.GetValues<TEnum>().Select(WireJson.NameOf)];
    }
}
