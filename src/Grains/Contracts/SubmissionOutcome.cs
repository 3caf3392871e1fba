namespace Connects.Contracts;

[GenerateSerializer]
public enum SubmissionOutcome { Submitted, AlreadySubmitted, InsufficientConnects, PriceChanged, JobNotOpen, JobNotFound, WalletNotFound, AuctionClosed }
