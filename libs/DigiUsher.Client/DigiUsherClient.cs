using DigiUsher.Client.DataSource;
using DigiUsher.Client.Query;
using DigiUsher.Client.ResourceDiscovery;
using DigiUsher.Client.Tokens;

namespace DigiUsher.Client;

/// <summary>Where the three public APIs answer.</summary>
public sealed record DigiUsherEndpoints(Uri DataSource, Uri Query, Uri ResourceDiscovery);

/// <summary>
/// The typed clients of DigiUsher's public APIs (generated from the committed OpenAPI documents),
/// sharing one token cache: tokens are requested when first needed and renewed before they expire.
/// </summary>
public sealed class DigiUsherClient : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <param name="endpoints">The APIs' base addresses.</param>
    /// <param name="tokens">Where tokens come from, given the anonymous DataSource client (e.g. a
    /// <see cref="ClientCredentialsTokenSource"/> or a <see cref="PasswordTokenSource"/>); null for anonymous calls only.</param>
    /// <param name="handler">The innermost handler (tests, proxies); a new <see cref="HttpClientHandler"/> when null.</param>
    /// <param name="time">The clock the token cache renews by (tests); the system clock when null.</param>
    public DigiUsherClient(DigiUsherEndpoints endpoints, Func<IDataSourceClient, HttpClient, ITokenSource>? tokens = null, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        var inner = handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var anonymousHttp = Http(endpoints.DataSource, inner, disposeHandler: handler is null);
        Anonymous = new DataSourceClient(anonymousHttp);
        HttpMessageHandler authenticated = inner;
        if (tokens is not null)
        {
            TokenSource = tokens(Anonymous, anonymousHttp);
            Tokens = new TokenCache(TokenSource, time);
            _owned.Add(Tokens);
            authenticated = new BearerTokenHandler(Tokens) { InnerHandler = inner };
        }

        DataSource = new DataSourceClient(Http(endpoints.DataSource, authenticated, disposeHandler: false));
        Query = new QueryClient(Http(endpoints.Query, authenticated, disposeHandler: false));
        ResourceDiscovery = new ResourceDiscoveryClient(Http(endpoints.ResourceDiscovery, authenticated, disposeHandler: false));
    }

    /// <summary>DataSource without a token: register, token, accept an invitation.</summary>
    public IDataSourceClient Anonymous { get; }

    public IDataSourceClient DataSource { get; }

    public IQueryClient Query { get; }

    public IResourceDiscoveryClient ResourceDiscovery { get; }

    /// <summary>The token cache, when tokens are configured.</summary>
    public TokenCache? Tokens { get; }

    /// <summary>Where the cache gets its tokens (e.g. a <see cref="PasswordTokenSource"/> to sign out), when tokens are configured.</summary>
    public ITokenSource? TokenSource { get; }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    private HttpClient Http(Uri baseAddress, HttpMessageHandler handler, bool disposeHandler)
    {
        var http = new HttpClient(handler, disposeHandler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
        _owned.Add(http);
        return http;
    }
}
