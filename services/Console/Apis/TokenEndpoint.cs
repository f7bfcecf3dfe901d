using System.Text;
using System.Text.Json;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Tokens;

namespace DigiUsher.Console.Apis;

/// <summary>
/// DataSource's OAuth 2.0 endpoints as a public client (<c>client_id=console</c>, no secret), through the
/// typed client's form bodies: the password grant signs a person in and gives a refresh token (RFC 6749
/// §4.3), the refresh_token grant renews the access token before it expires (§6; each use gives a new
/// refresh token), and revocation ends the sign-in on sign-out (RFC 7009). Failures arrive as
/// <see cref="ApiProblemException"/> (OAuth's error and description) from <see cref="ApiErrorHandler"/>.
/// </summary>
public sealed class TokenEndpoint(IHttpClientFactory factory)
{
    /// <summary>The console's client id at DataSource (<c>Auth:PublicClients</c>).</summary>
    public const string ClientId = PasswordTokenSource.ConsoleClientId;

    public Task<OAuthTokenResponse> PasswordAsync(string email, string password, CancellationToken cancellationToken) =>
        Anonymous.TokenAsync(
            new OAuthTokenRequest { Grant_type = OAuthTokenRequestGrant_type.Password, Username = email, Password = password, Client_id = ClientId },
            cancellationToken);

    public Task<OAuthTokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        Anonymous.TokenAsync(
            new OAuthTokenRequest { Grant_type = OAuthTokenRequestGrant_type.Refresh_token, Refresh_token = refreshToken, Client_id = ClientId },
            cancellationToken);

    public Task RevokeAsync(string refreshToken, CancellationToken cancellationToken) =>
        Anonymous.RevokeTokenAsync(
            new OAuthRevocationRequest { Token = refreshToken, Token_type_hint = OAuthRevocationRequestToken_type_hint.Refresh_token, Client_id = ClientId },
            cancellationToken);

    private IDataSourceClient Anonymous => ApiClients.Anonymous(factory);
}

/// <summary>Reads the claims of the access tokens DataSource gives the console.</summary>
public static class AccessTokenClaims
{
    /// <summary>
    /// The claims of a token the console has just received from DataSource over its own connection
    /// (it does not validate the signature: it never accepts tokens from the browser).
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("The access token is not a JWT.");
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
        return document.RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind is JsonValueKind.String)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }
}
