using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies configured under
/// <c>ForwardedHeaders:KnownNetworks</c> (CIDRs) and <c>ForwardedHeaders:KnownProxies</c> (addresses):
/// on Kubernetes the ingress controller (the chart's <c>forwardedHeaders</c> values). ASP.NET Core's
/// default trusts loopback; we clear it, so with nothing configured no forwarded header is believed
/// and no caller can claim another client address (rate limits, logs) or scheme.
/// </summary>
public static class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    public static ForwardedHeadersOptions FromConfiguration(IConfiguration configuration)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        var section = configuration.GetSection(Section);
        foreach (var network in section.GetSection("KnownNetworks").Get<string[]>() ?? [])
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a CIDR network (e.g. 10.0.0.0/8)."));
        }

        foreach (var proxy in section.GetSection("KnownProxies").Get<string[]>() ?? [])
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
        }

        // With both lists empty ASP.NET Core believes every peer: nothing configured means none.
        if (options.KnownIPNetworks.Count == 0 && options.KnownProxies.Count == 0)
        {
            options.ForwardedHeaders = ForwardedHeaders.None;
        }

        return options;
    }
}
