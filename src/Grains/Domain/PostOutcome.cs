namespace Connects.Domain;

/// <summary>What posting a job's terms did.</summary>
public enum PostOutcome { Created, Unchanged, Updated }
