using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// This service's own access tokens (OAuth 2.0 client credentials at <c>{Auth:Authority}/connect/token</c>,
/// with <c>Auth:ClientId</c> and <c>Auth:ClientSecret</c>), one per scope, cached until a minute
/// before they expire.
/// </summary>
public sealed class ServiceTokenClient(IHttpClientFactory httpClients, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string HttpClientName = "digiusher-token";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (string Token, DateTimeOffset RenewAt)> _cache = new(StringComparer.Ordinal);

    public async Task<string> GetAsync(string scope, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cache.TryGetValue(scope, out var cached) && time.GetUtcNow() < cached.RenewAt)
            {
                return cached.Token;
            }

            var auth = options.Value;
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["scope"] = scope,
                }),
            };
            // RFC 6749 section 2.3.1: client id and secret form-encoded, then HTTP Basic.
            var basic = $"{Uri.EscapeDataString(auth.ClientId ?? string.Empty)}:{Uri.EscapeDataString(auth.ClientSecret ?? string.Empty)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(basic)));
            using var http = httpClients.CreateClient(HttpClientName);
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"DataSource refused this service's token ({(int)response.StatusCode}): {body}", null, response.StatusCode);
            }

            using var json = JsonDocument.Parse(body);
            var token = json.RootElement.GetProperty("access_token").GetString()!;
            var expiresIn = json.RootElement.GetProperty("expires_in").GetInt32();
            _cache[scope] = (token, time.GetUtcNow().AddSeconds(Math.Max(expiresIn - 60, expiresIn / 2)));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Forget(string scope)
    {
        _gate.Wait();
        try
        {
            _cache.Remove(scope);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Puts this service's token for <paramref name="scope"/> on every request; on a 401 gets a new one and tries once more.</summary>
public sealed class ServiceTokenHandler(ServiceTokenClient tokens, string scope) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(scope, cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || request.Content is not null)
        {
            return response;
        }

        response.Dispose();
        tokens.Forget(scope);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(scope, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}

public static class ServiceTokenExtensions
{
    /// <summary>The client sends this service's own token for <paramref name="scope"/> (client credentials from <c>Auth</c>).</summary>
    public static IHttpClientBuilder AddServiceToken(this IHttpClientBuilder builder, string scope)
    {
        builder.Services.AddOptions<AuthOptions>().Validate(
            o => !string.IsNullOrEmpty(o.ClientId) && !string.IsNullOrEmpty(o.ClientSecret) && !string.IsNullOrEmpty(o.Authority),
            "Auth:Authority, Auth:ClientId and Auth:ClientSecret must be configured: this service calls another with its own token.");
        builder.Services.AddHttpClient(ServiceTokenClient.HttpClientName, (sp, http) =>
        {
            http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<AuthOptions>>().Value.Authority!.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ServiceTokenClient>();
        return builder.AddHttpMessageHandler(sp => new ServiceTokenHandler(sp.GetRequiredService<ServiceTokenClient>(), scope));
    }
}
