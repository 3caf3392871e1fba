namespace Connects.Domain;

/// <summary>
/// A request the rules refuse. <see cref="Rule"/> names the rule (it becomes the problem type),
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

public static class Rules
{
    public const string InvalidBundle = "invalid-bundle";
    public const string InvalidAmount = "invalid-amount";
    public const string InvalidExpiry = "invalid-expiry";
    public const string WalletNotOpen = "wallet-not-found";
    public const string JobNotFound = "job-not-found";
    public const string JobNotOpen = "job-not-open";
    public const string JobConflict = "job-conflict";
    public const string ProposalNotFound = "proposal-not-found";
    public const string ProposalNotActive = "proposal-not-active";
    public const string InsufficientConnects = "insufficient-connects";
    public const string PriceChanged = "price-changed";
    public const string ReferenceReused = "reference-reused";
}
