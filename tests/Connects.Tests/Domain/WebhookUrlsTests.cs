using System.Net;
using Connects.Domain;

namespace Connects.Tests.Domain;

public sealed class WebhookUrlsTests
{
    private static readonly IPAddress Public = IPAddress.Parse("93.184.215.14");

    [Theory]
    [InlineData("127.0.0.1")] [InlineData("127.8.9.10")] [InlineData("::1")] [InlineData("10.0.0.1")] [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")] [InlineData("192.168.1.1")] [InlineData("169.254.169.254")] [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")] [InlineData("::")] [InlineData("fe80::1")] [InlineData("fd12::1")] [InlineData("224.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Internal_addresses_are_internal(string address) => Assert.True(WebhookUrls.IsInternal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")] [InlineData("172.32.0.1")] [InlineData("8.8.8.8")] [InlineData("2606:4700::1111")] [InlineData("100.128.0.1")]
    public void Public_addresses_are_not(string address) => Assert.False(WebhookUrls.IsInternal(IPAddress.Parse(address)));

    [Fact]
    public void Https_only_refuses_http_and_a_resolved_private_address_is_refused_unless_its_host_is_allowed()
    {
        Assert.NotNull(WebhookUrls.Refusal(new Uri("http://hooks.example/x"), httpsOnly: true, [], [Public]));
        Assert.Null(WebhookUrls.Refusal(new Uri("https://hooks.example/x"), httpsOnly: true, [], [Public]));
        Assert.NotNull(WebhookUrls.Refusal(new Uri("https://hooks.example/x"), httpsOnly: true, [], [Public, IPAddress.Parse("10.0.0.7")]));
        Assert.Null(WebhookUrls.Refusal(new Uri("https://hooks.example/x"), httpsOnly: true, ["HOOKS.example"], [IPAddress.Parse("10.0.0.7")]));
        Assert.NotNull(WebhookUrls.Refusal(new Uri("https://hooks.example/x"), httpsOnly: false, [], []));
        Assert.NotNull(WebhookUrls.Refusal(new Uri("https://hooks.example/x#frag"), httpsOnly: false, [], [Public]));
    }
}
