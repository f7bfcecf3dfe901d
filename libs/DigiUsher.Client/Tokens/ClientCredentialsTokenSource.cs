using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DigiUsher.Client.Tokens;

/// <summary>
/// The OAuth 2.0 client credentials grant (RFC 6749 §4.4) at DataSource's <c>/connect/token</c>: the
/// client authenticates with HTTP Basic (§2.3.1), asks for <paramref name="scopes"/>, and reads
/// <c>access_token</c> and <c>expires_in</c> (§5.1) or the error (§5.2).
/// </summary>
public sealed class ClientCredentialsTokenSource(HttpClient dataSource, string clientId, string clientSecret, IReadOnlyList<string> scopes, TimeProvider? time = null)
    : ITokenSource
{
    public const string TokenPath = "connect/token";

    public async Task<AccessToken> RequestAsync(CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (scopes.Count > 0)
        {
            form.Add(new("scope", string.Join(' ', scopes)));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath) { Content = new FormUrlEncodedContent(form) };
        // RFC 6749 §2.3.1: the id and secret are form-urlencoded before the Basic encoding.
        var basic = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        using var response = await dataSource.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = TryParse(body);
        var root = json?.RootElement;
        if (!response.IsSuccessStatusCode || root?.TryGetProperty("access_token", out var token) != true)
        {
            var error = root?.TryGetProperty("error", out var e) == true ? e.GetString() : null;
            var description = root?.TryGetProperty("error_description", out var d) == true ? d.GetString() : null;
            throw new TokenRequestException($"{TokenPath} answered {(int)response.StatusCode}{(error is null ? "" : $" {error}")}{(description is null ? "" : $": {description}")}.", error);
        }

        var lifetime = root.Value.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) ? seconds : 300;
        return new AccessToken(token.GetString()!, (time ?? TimeProvider.System).GetUtcNow().AddSeconds(lifetime));
    }

    private static JsonDocument? TryParse(string body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
