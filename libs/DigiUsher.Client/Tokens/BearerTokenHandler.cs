using System.Net;
using System.Net.Http.Headers;

namespace DigiUsher.Client.Tokens;

/// <summary>
/// Puts the cached token on every request; a 401 on a request without a body (a revoked or rotated
/// token) is retried once with a new token.
/// </summary>
public sealed class BearerTokenHandler(TokenCache tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || request.Content is not null)
        {
            return response;
        }

        response.Dispose();
        tokens.Invalidate(token);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
