using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace DigiUsher.Aws.Signing;

/// <summary>
/// HttpClients whose every request is SigV4-signed by AWSSDK.Core's own public
/// <see cref="SigV4SigningHandler"/>, for the AWS APIs whose SDK packages are not served to us (CUR,
/// IAM, CloudWatch). One connection pool is shared; each client only adds the signing handler for
/// one set of credentials.
/// </summary>
public sealed class AwsSignedHttpClientFactory : IDisposable
{
    // The signing handler must sit above the transport with redirects off: an auto-followed
    // redirect would be sent unsigned or with a stale signature (SigV4SigningHandler's remarks).
    private readonly HttpMessageHandler _transport;

    public AwsSignedHttpClientFactory()
        : this(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
    {
    }

    /// <param name="transport">The handler that sends signed requests (shared, never disposed by the clients).</param>
    public AwsSignedHttpClientFactory(HttpMessageHandler transport) => _transport = transport;

    /// <summary>A client signing for <paramref name="service"/> in <paramref name="region"/> with <paramref name="credentials"/>.</summary>
    public HttpClient CreateClient(AWSCredentials credentials, string region, string service, Uri baseAddress, TimeSpan? timeout = null)
    {
        var signing = new SigV4SigningHandler(credentials, RegionEndpoint.GetBySystemName(region), service, new NonDisposingHandler(_transport));
        return new HttpClient(signing, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
    }

    public void Dispose() => _transport.Dispose();

    /// <summary>Lets a per-client handler chain end in the shared transport without disposing it.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing)
        {
            // The shared transport outlives every client; only the factory disposes it.
        }
    }
}
