using System.Net;
using DigiUsher.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DigiUsher.Foundation.Tests;

public class ForwardedHeadersTests
{
    [Theory]
    [InlineData("10.42.7.9", "203.0.113.5", "https")]
    [InlineData("192.168.1.20", "192.168.1.20", "http")]
    [InlineData("127.0.0.1", "127.0.0.1", "http")]
    public async Task ForwardedHeaders_WhenConfiguredForTheIngressNetwork_AreBelievedFromItOnly(string peer, string client, string scheme)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ForwardedHeaders:KnownNetworks:0"] = "10.42.0.0/16",
        }).Build();

        var context = await SendThroughAsync(settings, peer);

        Assert.Equal(IPAddress.Parse(client), context.Connection.RemoteIpAddress);
        Assert.Equal(scheme, context.Request.Scheme);
    }

    [Fact]
    public async Task ForwardedHeaders_WhenNothingIsConfigured_AreBelievedFromNobodyNotEvenLoopback()
    {
        var context = await SendThroughAsync(new ConfigurationBuilder().Build(), "127.0.0.1");

        Assert.Equal(IPAddress.Loopback, context.Connection.RemoteIpAddress);
        Assert.Equal("http", context.Request.Scheme);
    }

    [Fact]
    public void ForwardedHeaders_WhenANetworkIsMalformed_FailTheStartWithTheSetting()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ForwardedHeaders:KnownNetworks:0"] = "10.42.0.0",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => ForwardedHeadersSettings.FromConfiguration(settings));
        Assert.Contains("ForwardedHeaders:KnownNetworks: '10.42.0.0'", error.Message, StringComparison.Ordinal);
    }

    // ASP.NET Core's own middleware with our options, on a request from the given peer that claims
    // to come from 203.0.113.5 over https.
    private static async Task<HttpContext> SendThroughAsync(IConfiguration settings, string peer)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Request.Scheme = "http";
        context.Request.Headers["X-Forwarded-For"] = "203.0.113.5";
        context.Request.Headers["X-Forwarded-Proto"] = "https";
        var middleware = new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance,
            Options.Create(ForwardedHeadersSettings.FromConfiguration(settings)));

        await middleware.Invoke(context);
        return context;
    }
}
