namespace DigiUsher.Console.Apis;

/// <summary>
/// Passes the browser's address on to the APIs (<c>X-Forwarded-For</c>): DataSource limits sign-ins per
/// client address, and without it every person signing in through the console would share the console's.
/// DataSource believes it only when the console's network is one of its <c>ForwardedHeaders</c> proxies.
/// </summary>
public sealed class ForwardedForHandler(IHttpContextAccessor http) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (http.HttpContext?.Connection.RemoteIpAddress is { } address)
        {
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
