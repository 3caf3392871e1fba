namespace Connects.Domain;

public enum ProposalStatus
{
    Active,
    Withdrawn,
    Declined,
    Hired,
    Refunded,
}
