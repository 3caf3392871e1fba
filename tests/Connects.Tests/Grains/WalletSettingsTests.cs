using System.ComponentModel.DataAnnotations;
using Connects.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connects.Tests.Grains;

/// <summary><see cref="WalletRules"/> (the business rules) and <see cref="WalletProtocolSettings"/> (how the grains run)
/// share the section <c>Connects:Wallet</c>: every key documented there binds to one of them, validated at start-up.</summary>
public sealed class WalletSettingsTests
{
    [Fact]
    public void The_deferred_write_and_provisional_record_settings_have_documented_defaults_and_are_validated()
    {
        var settings = new WalletProtocolSettings();
        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5)), (settings.DeferredWriteDelay, settings.ProvisionalRecordAge));
        Assert.Empty(Validate(settings));

        Assert.Contains(nameof(WalletProtocolSettings.DeferredWriteDelay), Validate(new WalletProtocolSettings { DeferredWriteDelay = TimeSpan.FromSeconds(30) }));
        Assert.Contains(nameof(WalletProtocolSettings.DeferredWriteDelay), Validate(new WalletProtocolSettings { DeferredWriteDelay = TimeSpan.Zero }));
        Assert.Contains(nameof(WalletProtocolSettings.ProvisionalRecordAge), Validate(new WalletProtocolSettings { ProvisionalRecordAge = TimeSpan.Zero }));
        Assert.Contains(nameof(WalletProtocolSettings.ProvisionalRecordAge), Validate(new WalletProtocolSettings { ProvisionalRecordAge = TimeSpan.FromHours(1) }));

        static List<string> Validate(WalletProtocolSettings settings)
        {
            var errors = new List<ValidationResult>();
            Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true);
            return errors.SelectMany(e => e.MemberNames).ToList();
        }
    }

    [Fact]
    public void Every_Connects_Wallet_key_binds_to_the_rules_or_the_protocol_settings()
    {
        using var services = Services(new()
        {
            ["Connects:Wallet:PlusRolloverCap"] = "200",
            ["Connects:Wallet:HoldDuration"] = "00:00:30",
            ["Connects:Wallet:ArchiveAfterEntries"] = "4",
            ["Connects:Wallet:IdempotencyWindowMonths"] = "36",
            ["Connects:Wallet:DeferredWriteDelay"] = "00:00:00.5",
            ["Connects:Wallet:ProvisionalRecordAge"] = "00:00:02",
            ["Connects:Wallet:ReminderRefreshConcurrency"] = "3",
            ["Connects:Wallet:RefreshReminderPeriod"] = "02:00:00",
            ["Connects:Wallet:RenewalRetryPeriod"] = "00:05:00",
        });
        services.GetRequiredService<IStartupValidator>().Validate();

        var rules = services.GetRequiredService<IOptions<WalletRules>>().Value;
        Assert.Equal((200, TimeSpan.FromSeconds(30), 4, 36), (rules.PlusRolloverCap, rules.HoldDuration, rules.ArchiveAfterEntries, rules.IdempotencyWindowMonths));
        var protocol = services.GetRequiredService<IOptions<WalletProtocolSettings>>().Value;
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), 3, TimeSpan.FromHours(2), TimeSpan.FromMinutes(5)),
            (protocol.DeferredWriteDelay, protocol.ProvisionalRecordAge, protocol.ReminderRefreshConcurrency, protocol.RefreshReminderPeriod,
             protocol.RenewalRetryPeriod));
    }

    [Fact]
    public void A_protocol_setting_out_of_range_stops_the_start()
    {
        using var services = Services(new() { ["Connects:Wallet:DeferredWriteDelay"] = "00:01:00" });
        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(nameof(WalletProtocolSettings.DeferredWriteDelay), refused.Message);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddConnectsRules(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();
}
