using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connects.Grains;

/// <summary>
/// What every wallet activation uses, shared by all of them: one reference per activation instead of six. An idle wallet's
/// activation is what a silo holds most of (its heap per idle wallet is a target, docs/performance.md).
/// </summary>
public sealed class WalletServices(
    IOptions<WalletRules> rules,
    IOptions<WalletProtocolSettings> protocol,
    [FromKeyedServices(ConnectsClock.Key)] TimeProvider clock,
    ConnectsMetrics metrics,
    RefreshPacer pacer,
    IRenewalRoll renewals,
    IEventStore events,
    IExpiryNoticeRoll expiryNotices,
    ILogger<WalletGrain> logger)
{
    public WalletRules Rules => rules.Value;
    public WalletProtocolSettings Protocol => protocol.Value;
    public TimeProvider Clock => clock;
    public ConnectsMetrics Metrics => metrics;
    public RefreshPacer Pacer => pacer;
    public IRenewalRoll Renewals => renewals;
    public IEventStore Events => events;
    public IExpiryNoticeRoll ExpiryNotices => expiryNotices;
    public ILogger Logger => logger;
}
