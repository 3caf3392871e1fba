namespace Connects.Domain;

public sealed record AuditReport(DateTimeOffset At, bool Clean, IReadOnlyList<AuditFinding> Findings, AuditTotals Totals);
