namespace Connects.Domain;

public enum JobStatus
{
    Open,
    Filled,
    Cancelled,
    Removed,
}
