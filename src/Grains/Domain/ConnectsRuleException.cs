namespace Connects.Domain;

/// <summary>
/// A request the rules refuse. <see cref="Rule"/> is the refusal's code, one of <see cref="Refusals"/> (it becomes the problem type),
/// <see cref="Field"/> the input at fault when there is one.
/// </summary>
[GenerateSerializer, Alias("Connects.ConnectsRuleException")]
public sealed class ConnectsRuleException : Exception
{
    public ConnectsRuleException(string rule, string message, string? field = null) : base(message)
    {
        Rule = rule;
        Field = field;
    }

    [Id(0)] public string Rule { get; }
    [Id(1)] public string? Field { get; }
}
