namespace Connects.Domain;

/// <summary>Outcome of a wallet asking the job to record a proposal backed by a hold.</summary>
[GenerateSerializer]
public enum RecordOutcome { Recorded, AlreadyRecorded, JobNotOpen, PriceAboveHold, HoldAborted, JobNotFound }
