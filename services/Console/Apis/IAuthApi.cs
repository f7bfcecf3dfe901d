namespace DigiUsher.Console.Apis;

/// <summary>Sign-up and sign-in (DataSource's <c>/api/v1/auth</c>); calls without a session.</summary>
public interface IAuthApi
{
    Task<Registered> RegisterAsync(string email, string password, string organizationName, CancellationToken cancellationToken);

    Task<TokenResponse> IssueTokenAsync(string email, string password, CancellationToken cancellationToken);

    Task<TokenResponse> AcceptInvitationAsync(string invitationCode, string password, CancellationToken cancellationToken);
}

public sealed class AuthApi(ApiClients clients) : IAuthApi
{
    public Task<Registered> RegisterAsync(string email, string password, string organizationName, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<Registered>(HttpMethod.Post, "api/v1/auth/register", new { email, password, organizationName }, cancellationToken, anonymous: true);

    public Task<TokenResponse> IssueTokenAsync(string email, string password, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<TokenResponse>(HttpMethod.Post, "api/v1/auth/token", new { email, password }, cancellationToken, anonymous: true);

    public Task<TokenResponse> AcceptInvitationAsync(string invitationCode, string password, CancellationToken cancellationToken) =>
        clients.DataSource.SendAsync<TokenResponse>(HttpMethod.Post, "api/v1/auth/invitations/accept", new { invitationCode, password }, cancellationToken, anonymous: true);
}
