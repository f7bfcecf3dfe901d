using System.ComponentModel.DataAnnotations;

namespace DigiUsher.Console.Apis;

/// <summary>Section <c>Services</c>: where the public APIs the console calls answer.</summary>
public sealed class ServicesOptions
{
    public const string Section = "Services";

    [Required]
    [Url]
    public string DataSource { get; set; } = string.Empty;

    [Required]
    [Url]
    public string Query { get; set; } = string.Empty;

    [Required]
    [Url]
    public string ResourceDiscovery { get; set; } = string.Empty;
}

/// <summary>The three APIs, each called with the session's token (scoped: one per circuit or request).</summary>
public sealed class ApiClients(IHttpClientFactory factory, ISessionTokens tokens)
{
    public ApiCaller DataSource { get; } = new(factory.CreateClient(nameof(DataSource)), tokens, "DataSource");

    public ApiCaller Query { get; } = new(factory.CreateClient(nameof(Query)), tokens, "Query");

    public ApiCaller ResourceDiscovery { get; } = new(factory.CreateClient(nameof(ResourceDiscovery)), tokens, "ResourceDiscovery");
}
