using System.Security.Cryptography;
using System.Text;
using DigiUsher.DataSource.Audit;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Tokens;

/// <summary>An RFC 6749 section 5.2 error: its code, a sentence a person can act on, the HTTP status.</summary>
public sealed record TokenError(string Error, string Description, int Status = StatusCodes.Status400BadRequest, TimeSpan? RetryAfter = null)
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string InvalidScope = "invalid_scope";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string UnauthorizedClient = "unauthorized_client";

    /// <summary>RFC 8628's code for "retry later", used for throttled logins (with Retry-After).</summary>
    public const string SlowDown = "slow_down";
}

/// <summary>Tokens granted: the access token, the scopes it carries, and a refresh token for people.</summary>
public sealed record TokenGrant(IssuedAccessToken Access, IReadOnlyList<string> Scopes, string? RefreshToken);

/// <summary>Either a grant or an error.</summary>
public sealed record TokenOutcome(TokenGrant? Grant, TokenError? Error)
{
    public static implicit operator TokenOutcome(TokenGrant grant) => new(grant, null);

    public static implicit operator TokenOutcome(TokenError error) => new(null, error);
}

/// <summary>A client's credentials as presented (HTTP Basic or the form's client_id and client_secret).</summary>
public sealed record ClientCredentials(string ClientId, string? Secret);

/// <summary>
/// The grants of <c>/connect/token</c>: <c>client_credentials</c> for service clients and DigiUsher's own
/// services, <c>password</c> for people (the console, a public client), <c>refresh_token</c> rotating
/// a person's refresh token. Decides; the stores do the SQL, the endpoint speaks HTTP.
/// </summary>
public sealed class TokenExchange(
    IdentityStore identity,
    TokenStore tokens,
    AccessTokenIssuer issuer,
    LoginThrottle throttle,
    PasswordCheck passwords,
    IOptions<IssuerOptions> options,
    IOptions<EmailVerificationOptions> verification,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<TokenOutcome> ClientCredentialsAsync(ClientCredentials? client, string? scope, string address, CancellationToken cancellationToken)
    {
        if (client?.Secret is null)
        {
            return new TokenError(TokenError.InvalidClient, "client_credentials needs the client's id and secret (HTTP Basic, or client_id and client_secret).", StatusCodes.Status401Unauthorized);
        }

        var key = LoginThrottle.KeyFor(client.ClientId, address);
        if (await throttle.LockedForAsync(key, cancellationToken) is { } lockedFor)
        {
            return TooManyAttempts(lockedFor);
        }

        var subject = await AuthenticateClientAsync(client.ClientId, client.Secret, cancellationToken);
        if (subject is null)
        {
            await throttle.FailedAsync(key, cancellationToken);
            if (await identity.FindServiceClientAsync(client.ClientId, cancellationToken) is { } known)
            {
                await audit.RecordAsync(new AuditEntry(known.Client.OrganizationId, AuditActions.ServiceClientSignInFailed, false, "service-client", known.Client.Id.ToString(),
                    Actor: AuditActor.ServiceClient(known.Client.Id)), cancellationToken);
            }

            return new TokenError(TokenError.InvalidClient, "The client id or secret is wrong, or the client was revoked.", StatusCodes.Status401Unauthorized);
        }

        await throttle.SucceededAsync(key, cancellationToken);
        var granted = Narrow(subject.Scopes, scope);
        return granted.Error ?? (TokenOutcome)new TokenGrant(issuer.Issue(subject with { Scopes = granted.Scopes! }), granted.Scopes!, null);
    }

    public async Task<TokenOutcome> PasswordAsync(string? clientId, string username, string password, string? scope, string address, CancellationToken cancellationToken)
    {
        if (clientId is not null && !options.Value.PublicClients.Contains(clientId, StringComparer.Ordinal))
        {
            return new TokenError(TokenError.UnauthorizedClient, $"Client '{clientId}' may not use the password grant.");
        }

        // Whose address this is decides the throttles and the hashing lane; a login that does not exist
        // is treated like any login from a new address, so the answers reveal nothing.
        var user = await identity.FindUserByEmailAsync(username.Trim(), cancellationToken);
        var origin = await throttle.OriginOfAsync(username, address, cancellationToken);
        var verdict = await throttle.BeforePasswordCheckAsync(username, address, origin, cancellationToken);
        if (verdict.Refused)
        {
            return new TokenError(TokenError.SlowDown, verdict.Reason!, StatusCodes.Status429TooManyRequests, verdict.RefusedFor);
        }

        if (!await passwords.VerifySignInAsync(username, origin, password, user?.PasswordHash, cancellationToken) || user is null)
        {
            await throttle.PersonFailedAsync(username, address, origin, cancellationToken);
            if (user is not null)
            {
                await AuditSignInAsync(user, false, "wrong password", cancellationToken);
            }

            return new TokenError(TokenError.InvalidGrant, "The email or password is wrong.");
        }

        if (!user.CanSignIn)
        {
            await AuditSignInAsync(user, false, "disabled", cancellationToken);
            return new TokenError(TokenError.InvalidGrant, "This account is disabled; ask your organization's admin.");
        }

        if (verification.Value.Required && user.EmailVerifiedAt is null)
        {
            await AuditSignInAsync(user, false, "email not verified", cancellationToken);
            return new TokenError(TokenError.InvalidGrant,
                "Verify your email first: use the code we mailed you (POST /api/v1/auth/email-verification/confirm), or ask for a new one (POST /api/v1/auth/email-verification).");
        }

        await throttle.PersonSucceededAsync(user.Id, username, address, cancellationToken);
        await AuditSignInAsync(user, true, null, cancellationToken);
        var granted = Narrow(Scopes.ForRole(user.Role), scope);
        if (granted.Error is not null)
        {
            return granted.Error;
        }

        return await GrantUserAsync(user, clientId ?? options.Value.PublicClients[0], granted.Scopes!, Guid.CreateVersion7(), cancellationToken);
    }

    public async Task<TokenOutcome> RefreshAsync(string? clientId, string refreshToken, string? scope, CancellationToken cancellationToken)
    {
        var (outcome, stored) = await tokens.RedeemAsync(SecretTokens.Hash(refreshToken), cancellationToken);
        var refused = outcome switch
        {
            RefreshOutcome.Unknown => "The refresh token is not one DigiUsher issued.",
            RefreshOutcome.Expired => "The refresh token expired; sign in again.",
            RefreshOutcome.Revoked => "The refresh token was revoked; sign in again.",
            RefreshOutcome.Reused => "The refresh token was used already; every token of this sign-in is revoked. Sign in again.",
            _ => null,
        };
        if (refused is not null)
        {
            return new TokenError(TokenError.InvalidGrant, refused);
        }

        if (clientId is not null && clientId != stored!.ClientId)
        {
            return new TokenError(TokenError.InvalidGrant, "The refresh token was issued to another client.");
        }

        var user = await identity.FindUserByIdAsync(stored!.UserId, cancellationToken);
        if (user is not { CanSignIn: true })
        {
            return new TokenError(TokenError.InvalidGrant, "This account is disabled or deleted; sign in again.");
        }

        // The role may have changed since the sign-in: never more than the role gives now.
        var allowed = stored.Scopes.Intersect(Scopes.ForRole(user.Role), StringComparer.Ordinal).ToList();
        var granted = Narrow(allowed, scope);
        return granted.Error ?? await GrantUserAsync(user, stored.ClientId, granted.Scopes!, stored.FamilyId, cancellationToken);
    }

    /// <summary>Revokes the sign-in of a refresh token (RFC 7009: unknown tokens are not an error).</summary>
    public Task RevokeAsync(string token, CancellationToken cancellationToken) => tokens.RevokeFamilyAsync(SecretTokens.Hash(token), cancellationToken);

    /// <summary>The scopes asked for, which must all be allowed; all allowed ones when none are asked for (RFC 6749 section 3.3).</summary>
    internal static (IReadOnlyList<string>? Scopes, TokenError? Error) Narrow(IReadOnlyList<string> allowed, string? requested)
    {
        var asked = Scopes.Parse(requested);
        if (asked.Count == 0)
        {
            return (allowed, null);
        }

        var refused = asked.Where(s => !allowed.Contains(s, StringComparer.Ordinal)).ToList();
        return refused.Count > 0
            ? (null, new TokenError(TokenError.InvalidScope, $"Not granted to this client or user: {string.Join(", ", refused)}. Allowed: {Scopes.Format(allowed)}."))
            : (asked, null);
    }

    private async Task<TokenOutcome> GrantUserAsync(UserRow user, string clientId, IReadOnlyList<string> scopes, Guid familyId, CancellationToken cancellationToken)
    {
        var access = issuer.Issue(new TokenSubject(user.Id.ToString(), user.OrganizationId, user.Role, user.Email, clientId, scopes));
        var refresh = SecretTokens.New("dsr_");
        await tokens.AddRefreshTokenAsync(SecretTokens.Hash(refresh), familyId, user.Id, clientId, scopes,
            time.GetUtcNow() + options.Value.RefreshTokenLifetime, cancellationToken);
        return new TokenGrant(access, scopes, refresh);
    }

    private async Task<TokenSubject?> AuthenticateClientAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        if (options.Value.ServiceIdentities.TryGetValue(clientId, out var own) && ServiceIdentities.ScopesOf.TryGetValue(clientId, out var ownScopes))
        {
            return SameSecret(secret, own.Secret) || (own.PreviousSecret is { Length: > 0 } previous && SameSecret(secret, previous))
                ? new TokenSubject(ServiceIdentities.SubjectOf(clientId), null, DigiUsherClaims.InternalRole, null, clientId, ownScopes)
                : null;
        }

        var found = await identity.FindServiceClientAsync(clientId, cancellationToken);
        if (found is not { Client.RevokedAt: null } live)
        {
            return null;
        }

        var hash = SecretTokens.Hash(secret);
        return live.Secrets.Any(s => CryptographicOperations.FixedTimeEquals(hash, s.SecretHash))
            ? new TokenSubject(live.Client.Id.ToString(), live.Client.OrganizationId, DigiUsherClaims.ServiceRole, null, clientId, live.Client.Scopes)
            : null;
    }

    private static bool SameSecret(string given, string expected) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private Task AuditSignInAsync(UserRow user, bool succeeded, string? refused, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(user.OrganizationId, succeeded ? AuditActions.SignedIn : AuditActions.SignInFailed, succeeded, "user", user.Id.ToString(),
            refused is null ? null : new Dictionary<string, string> { ["reason"] = refused }, AuditActor.User(user.Id, user.Email)), cancellationToken);

    private static TokenError TooManyAttempts(TimeSpan lockedFor) => new(
        TokenError.SlowDown,
        $"Too many failed attempts for this login from your address; try again in {Math.Max(1, (int)Math.Ceiling(lockedFor.TotalSeconds))} seconds.",
        StatusCodes.Status429TooManyRequests,
        lockedFor);
}
