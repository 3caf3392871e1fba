namespace Connects;

/// <summary>
/// The service's time. Grains take a keyed <see cref="TimeProvider"/> registered under <see cref="Key"/>,
/// so the sandbox clock (or a test's fake clock) moves the Connects economy without moving the clocks
/// Orleans itself runs on (membership, timeouts, activation collection).
/// </summary>
public static class ConnectsClock
{
    public const string Key = "connects";
}
