namespace Connects.Domain;

public enum Plan
{
    Basic,
    Plus,
}
