namespace Connects;

/// <summary>What the metrics say of the latest audit: how many findings it reported and when it finished (real time).</summary>
public sealed record AuditObservation(int Findings, DateTimeOffset At);
