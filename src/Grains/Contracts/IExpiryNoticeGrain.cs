namespace Connects.Contracts;

/// <summary>
/// The one grain (key 0) that gives idle wallets their expiring notices: its reminder ticks every
/// <see cref="WalletProtocolSettings.ExpiryNoticeScanPeriod"/>, and each tick refreshes the wallets whose notice has
/// fallen due on the expiry notice roll (<see cref="Grains.IExpiryNoticeRoll"/>), then takes them off it.
/// </summary>
[Alias("Connects.IExpiryNoticeGrain")]
public interface IExpiryNoticeGrain : IGrainWithIntegerKey
{
    /// <summary>Sets the reminder if this activation has not, and starts a pass over the notices due. Answers at once.</summary>
    [Alias("Wake")] Task Wake();

    /// <summary>A pass over the notices due now, answered when done: the number of wallets brought up to date (a pass
    /// already running is waited for and counts 0).</summary>
    [Alias("NoticeDue")] Task<int> NoticeDue();
}
