using DigiUsher.Client.DataSource;

namespace DigiUsher.Client.Tokens;

/// <summary>
/// A person's token from DataSource's <c>POST /api/v1/auth/token</c> (email and password), or a
/// service client's until <c>/connect/token</c> serves it (<see cref="ClientCredentialsTokenSource"/>
/// then replaces this class for service clients).
/// </summary>
public sealed class PasswordTokenSource(IDataSourceClient dataSource, TokenRequest credentials, TimeProvider? time = null) : ITokenSource
{
    public static PasswordTokenSource ForUser(IDataSourceClient dataSource, string email, string password) =>
        new(dataSource, new TokenRequest { Email = email, Password = password });

    public async Task<AccessToken> RequestAsync(CancellationToken cancellationToken)
    {
        try
        {
            var token = await dataSource.IssueTokenAsync(credentials, cancellationToken);
            return new AccessToken(token.AccessToken, (time ?? TimeProvider.System).GetUtcNow().AddSeconds(token.ExpiresIn));
        }
        catch (ApiException<ProblemDetails> ex)
        {
            throw new TokenRequestException($"The token was refused ({ex.StatusCode}): {ex.Result.Detail ?? ex.Result.Title}");
        }
    }
}
