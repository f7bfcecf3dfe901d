using System.ComponentModel.DataAnnotations;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Query;
using DigiUsher.Client.ResourceDiscovery;
using Microsoft.Extensions.Options;

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

    /// <summary>The base address of <paramref name="api"/> (a name of this class's properties).</summary>
    public Uri AddressOf(string api) => new((api switch
    {
        nameof(DataSource) => DataSource,
        nameof(Query) => Query,
        nameof(ResourceDiscovery) => ResourceDiscovery,
        _ => throw new ArgumentOutOfRangeException(nameof(api), api, "Not an API of the console."),
    }).TrimEnd('/') + "/");
}

/// <summary>
/// The typed clients of the three APIs (<c>DigiUsher.Client</c>, generated from the committed OpenAPI
/// documents), each call carrying the session's token (scoped: one per circuit or request). The
/// pooled handlers of <see cref="IHttpMessageHandlerFactory"/> pass the browser's address on and turn
/// failures into the exceptions the pages show (<see cref="ApiErrorHandler"/>).
/// </summary>
public sealed class ApiClients(IHttpMessageHandlerFactory handlers, ISessionTokens tokens, IOptions<ServicesOptions> options)
{
    public IDataSourceClient DataSource { get; } = new DataSourceClient(Http(handlers, options.Value, nameof(DataSource), tokens));

    public IQueryClient Query { get; } = new QueryClient(Http(handlers, options.Value, nameof(Query), tokens));

    public IResourceDiscoveryClient ResourceDiscovery { get; } = new ResourceDiscoveryClient(Http(handlers, options.Value, nameof(ResourceDiscovery), tokens));

    /// <summary>DataSource without a token: register, accept an invitation.</summary>
    public static IDataSourceClient Anonymous(IHttpClientFactory factory) => new DataSourceClient(factory.CreateClient(nameof(DataSource)));

    private static HttpClient Http(IHttpMessageHandlerFactory handlers, ServicesOptions services, string api, ISessionTokens tokens)
    {
        // The factory's handler is pooled and disposed by the factory, never by this client.
        var pooled = handlers.CreateHandler(api);
        return new HttpClient(new SessionBearerHandler(tokens) { InnerHandler = pooled }, disposeHandler: false)
        {
            BaseAddress = services.AddressOf(api),
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }
}
