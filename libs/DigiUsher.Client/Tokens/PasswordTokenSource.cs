using DigiUsher.Client.DataSource;

namespace DigiUsher.Client.Tokens;

/// <summary>
/// A person's tokens from DataSource's <c>/connect/token</c> (RFC 6749), as the console gets them: the
/// password grant (§4.3) as the public client <see cref="ConsoleClientId"/> signs in and gives a refresh
/// token; each renewal uses the refresh token grant (§6), which rotates it, and signs in again with the
/// password only when the refresh token was refused (expired, revoked, or the sign-in ended).
/// Credentials with a client id and secret use the client credentials grant instead
/// (<see cref="ClientCredentialsTokenSource"/> does that with HTTP Basic).
/// </summary>
public sealed class PasswordTokenSource(IDataSourceClient dataSource, TokenRequest credentials, TimeProvider? time = null) : ITokenSource
{
    /// <summary>The public client people sign in through (DataSource's <c>Auth:PublicClients</c>).</summary>
    public const string ConsoleClientId = "console";

    private string? _refreshToken;

    public static PasswordTokenSource ForUser(IDataSourceClient dataSource, string email, string password) =>
        new(dataSource, new TokenRequest { Email = email, Password = password });

    /// <summary>True while a refresh token is held: renewals use it rather than the password.</summary>
    public bool SignedIn => _refreshToken is not null;

    public async Task<AccessToken> RequestAsync(CancellationToken cancellationToken)
    {
        if (credentials.ClientId is { Length: > 0 } clientId && credentials.ClientSecret is { Length: > 0 } secret)
        {
            return await GrantAsync(new OAuthTokenRequest { Grant_type = OAuthTokenRequestGrant_type.Client_credentials, Client_id = clientId, Client_secret = secret }, cancellationToken);
        }

        if (_refreshToken is { } refreshToken)
        {
            try
            {
                return await GrantAsync(new OAuthTokenRequest { Grant_type = OAuthTokenRequestGrant_type.Refresh_token, Refresh_token = refreshToken, Client_id = ConsoleClientId }, cancellationToken);
            }
            catch (TokenRequestException ex) when (ex.Error == "invalid_grant")
            {
                // Expired, revoked or reused: the sign-in is over, so sign in again below.
                _refreshToken = null;
            }
        }

        return await GrantAsync(new OAuthTokenRequest
        {
            Grant_type = OAuthTokenRequestGrant_type.Password, Username = credentials.Email, Password = credentials.Password, Client_id = ConsoleClientId,
        }, cancellationToken);
    }

    /// <summary>Signs out (RFC 7009): revokes the refresh token and with it every token of the sign-in.</summary>
    public async Task SignOutAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _refreshToken, null) is { } refreshToken)
        {
            await dataSource.RevokeTokenAsync(
                new OAuthRevocationRequest { Token = refreshToken, Token_type_hint = OAuthRevocationRequestToken_type_hint.Refresh_token, Client_id = ConsoleClientId },
                cancellationToken);
        }
    }

    private async Task<AccessToken> GrantAsync(OAuthTokenRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var token = await dataSource.TokenAsync(request, cancellationToken);
            if (token.Refresh_token is { Length: > 0 } refreshToken)
            {
                _refreshToken = refreshToken;
            }

            return new AccessToken(token.Access_token, (time ?? TimeProvider.System).GetUtcNow().AddSeconds(token.Expires_in));
        }
        catch (ApiException<OAuthError> ex)
        {
            throw new TokenRequestException(
                $"{ClientCredentialsTokenSource.TokenPath} answered {ex.StatusCode} {ex.Result.Error} to the {request.Grant_type.ToString().ToLowerInvariant()} grant: {ex.Result.Error_description}",
                ex.Result.Error);
        }
    }
}
