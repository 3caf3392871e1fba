namespace Connects.Domain;

public enum BudgetType
{
    Fixed,
    Hourly,
}
