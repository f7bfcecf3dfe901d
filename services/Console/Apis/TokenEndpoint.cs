using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Apis;

/// <summary>
/// DataSource's OAuth 2.0 endpoints as a public client (<c>client_id=console</c>, no secret): the
/// password grant signs a person in and gives a refresh token (RFC 6749 §4.3), the refresh_token
/// grant renews the access token before it expires (§6; each use gives a new refresh token), and
/// revocation ends the sign-in on sign-out (RFC 7009). The typed client has the operations but not
/// their form-encoded bodies, so the forms are sent here; the answers are the client's types.
/// </summary>
public sealed class TokenEndpoint(IHttpClientFactory factory)
{
    /// <summary>The console's client id at DataSource (<c>Auth:PublicClients</c>).</summary>
    public const string ClientId = "console";

    public Task<OAuthTokenResponse> PasswordAsync(string email, string password, CancellationToken cancellationToken) =>
        TokenAsync([new("grant_type", "password"), new("username", email), new("password", password)], cancellationToken);

    public Task<OAuthTokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        TokenAsync([new("grant_type", "refresh_token"), new("refresh_token", refreshToken)], cancellationToken);

    public async Task RevokeAsync(string refreshToken, CancellationToken cancellationToken)
    {
        using var response = await PostAsync("connect/revoke", [new("token", refreshToken), new("token_type_hint", "refresh_token")], cancellationToken);
    }

    private async Task<OAuthTokenResponse> TokenAsync(List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var response = await PostAsync("connect/token", form, cancellationToken);
        return await response.Content.ReadFromJsonAsync<OAuthTokenResponse>(cancellationToken)
            ?? throw new ApiUnavailableException("DataSource", new InvalidOperationException("/connect/token answered an empty body."));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        form.Add(new("client_id", ClientId));
        // Failures arrive as ApiProblemException (OAuth's error, with title and detail) from ApiErrorHandler.
        return await factory.CreateClient(nameof(ServicesOptions.DataSource)).PostAsync(path, new FormUrlEncodedContent(form), cancellationToken);
    }
}
