using Connects.Domain;

namespace Connects.Api;

/// <summary>
/// Maps the domain's enums to the API's (<see cref="Wire"/>) and back. Each pair has the same members with the same
/// names and values (WireEnumTests checks every pair), so a value maps by its number: a domain member the API has not
/// named yet fails that test, not a request.
/// </summary>
public static class WireEnums
{
    public static Wire.Plan ToWire(this Plan value) => (Wire.Plan)value;
    public static Plan ToDomain(this Wire.Plan value) => (Plan)value;
    public static Wire.BucketSource ToWire(this BucketSource value) => (Wire.BucketSource)value;
    public static Wire.LedgerKind ToWire(this LedgerKind value) => (Wire.LedgerKind)value;
    public static Wire.BudgetType ToWire(this BudgetType value) => (Wire.BudgetType)value;
    public static BudgetType ToDomain(this Wire.BudgetType value) => (BudgetType)value;
    public static Wire.ProjectDuration ToWire(this ProjectDuration value) => (Wire.ProjectDuration)value;
    public static ProjectDuration ToDomain(this Wire.ProjectDuration value) => (ProjectDuration)value;
    public static Wire.JobStatus ToWire(this JobStatus value) => (Wire.JobStatus)value;
    public static Wire.ProposalStatus ToWire(this ProposalStatus value) => (Wire.ProposalStatus)value;
    public static CancelReason ToDomain(this Wire.CancelReason value) => (CancelReason)value;
}
