namespace Connects.Contracts;

[GenerateSerializer]
public enum RefundOutcome { Refunded, AlreadyRefunded, NeverPaid }
