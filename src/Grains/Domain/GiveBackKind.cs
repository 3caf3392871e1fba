namespace Connects.Domain;

/// <summary>Why a job gives a boost bid back: the bid was outbid from the top spots, or the job was cancelled without a hire
/// or removed while the bid was held.</summary>
[GenerateSerializer]
public enum GiveBackKind { Returned, Refunded }
