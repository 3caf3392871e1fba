namespace Connects.Domain;

public sealed record AuditFinding(string Kind, string Subject, string Detail);
