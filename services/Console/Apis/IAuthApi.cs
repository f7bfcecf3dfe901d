using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Apis;

/// <summary>Sign-up and sign-in: calls without a session, each ending in a session's tokens.</summary>
public interface IAuthApi
{
    Task<Registered> RegisterAsync(string email, string password, string organizationName, CancellationToken cancellationToken);

    /// <summary>The password grant: an access token and a refresh token.</summary>
    Task<OAuthTokenResponse> SignInAsync(string email, string password, CancellationToken cancellationToken);

    /// <summary>Accepts the invitation (choosing the password), then signs in with it.</summary>
    Task<OAuthTokenResponse> AcceptInvitationAsync(string invitationCode, string password, CancellationToken cancellationToken);

    /// <summary>Asks DataSource to mail a password reset code; it answers the same whether or not the address has an account.</summary>
    Task RequestPasswordResetAsync(string email, CancellationToken cancellationToken);

    /// <summary>Sets a new password with the mailed code (refused as a validation problem on the <c>code</c> field when it is wrong, used or expired).</summary>
    Task ResetPasswordAsync(string code, string newPassword, CancellationToken cancellationToken);

    /// <summary>Asks DataSource to mail a new verification code to a registered, unverified address (the same answer for every address).</summary>
    Task RequestEmailVerificationAsync(string email, CancellationToken cancellationToken);

    /// <summary>Verifies the address with the mailed code.</summary>
    Task VerifyEmailAsync(string code, CancellationToken cancellationToken);
}

public sealed class AuthApi(IHttpClientFactory factory, TokenEndpoint tokens) : IAuthApi
{
    public Task<Registered> RegisterAsync(string email, string password, string organizationName, CancellationToken cancellationToken) =>
        ApiClients.Anonymous(factory).RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = organizationName }, cancellationToken);

    public Task<OAuthTokenResponse> SignInAsync(string email, string password, CancellationToken cancellationToken) =>
        tokens.PasswordAsync(email, password, cancellationToken);

    public async Task<OAuthTokenResponse> AcceptInvitationAsync(string invitationCode, string password, CancellationToken cancellationToken)
    {
        var accepted = await ApiClients.Anonymous(factory).AcceptInvitationAsync(new AcceptInvitationRequest { InvitationCode = invitationCode, Password = password }, cancellationToken);
        // The invitation's answer is a bare access token; the session wants the password grant's refresh token too.
        var email = AccessTokenClaims.Read(accepted.AccessToken)[DigiUsher.ServiceDefaults.Security.DigiUsherClaims.Email];
        return await tokens.PasswordAsync(email, password, cancellationToken);
    }

    public Task RequestPasswordResetAsync(string email, CancellationToken cancellationToken) =>
        ApiClients.Anonymous(factory).RequestPasswordResetAsync(new AccountMailRequest { Email = email }, cancellationToken);

    public Task ResetPasswordAsync(string code, string newPassword, CancellationToken cancellationToken) =>
        ApiClients.Anonymous(factory).ConfirmPasswordResetAsync(new ConfirmPasswordResetRequest { Code = code, NewPassword = newPassword }, cancellationToken);

    public Task RequestEmailVerificationAsync(string email, CancellationToken cancellationToken) =>
        ApiClients.Anonymous(factory).RequestEmailVerificationAsync(new AccountMailRequest { Email = email }, cancellationToken);

    public Task VerifyEmailAsync(string code, CancellationToken cancellationToken) =>
        ApiClients.Anonymous(factory).ConfirmEmailVerificationAsync(new ConfirmEmailVerificationRequest { Code = code }, cancellationToken);
}
