using System.Security.Claims;
using DigiUsher.Client.DataSource;
using DigiUsher.Console.Apis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Console.Session;

/// <summary>
/// <see cref="IUserSession"/> over the cookie handler and the Postgres <see cref="SessionStore"/>.
/// Interactive pages find the session through the circuit's authentication state, endpoints
/// through the request; both read the token from the store on every call, so a session signed out
/// in another tab (or expired) stops working at once. The access token is refreshed with the
/// session's refresh token a minute before it expires; signing out revokes the refresh token.
/// </summary>
public sealed class CookieSession(
    IHttpContextAccessor http,
    AuthenticationStateProvider authentication,
    SessionStore store,
    TokenEndpoint tokenEndpoint,
    SessionRefreshGate gate,
    ILogger<CookieSession> logger,
    TimeProvider clock) : IUserSession
{
    private const string AccessTokenName = "access_token";
    private const string RefreshTokenName = "refresh_token";
    private const string AccessExpiresName = "access_token_expires_at";

    /// <summary>
    /// How long a session lasts at most (a working day), however often its token is refreshed; the
    /// refresh token itself lives longer (DataSource's <c>Auth:RefreshTokenLifetime</c>).
    /// </summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(10);

    /// <summary>An access token this close to its expiry is refreshed first: the call would otherwise fail half-way.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromSeconds(60);

    public async Task SignInAsync(HttpContext context, OAuthTokenResponse token)
    {
        var claims = AccessTokenClaims.Read(token.Access_token);
        var identity = new ClaimsIdentity(
            [
                new Claim(SessionClaims.Session, SessionStore.NewId()),
                .. new[] { DigiUsherClaims.Subject, DigiUsherClaims.Organization, DigiUsherClaims.Role, DigiUsherClaims.Email }
                    .Where(claims.ContainsKey).Select(name => new Claim(name, claims[name])),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme, DigiUsherClaims.Email, DigiUsherClaims.Role);
        var properties = new AuthenticationProperties
        {
            IsPersistent = false,
            ExpiresUtc = clock.GetUtcNow().Add(SessionLifetime),
            AllowRefresh = false,
        };
        properties.StoreTokens(Tokens(token));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), properties);
    }

    public async Task SignOutAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(SessionClaims.Session) is { } id && await store.RetrieveAsync(id) is { } ticket
            && ticket.Properties.GetTokenValue(RefreshTokenName) is { } refresh)
        {
            try
            {
                // The whole sign-in ends at DataSource too: its refresh tokens stop working at once.
                await tokenEndpoint.RevokeAsync(refresh, context.RequestAborted);
            }
            catch (Exception ex) when (ex is ApiProblemException or ApiUnavailableException)
            {
                // The session row goes anyway; the refresh token then only expires.
                logger.LogWarning(ex, "Revoking the refresh token of a signed-out session failed");
            }
        }

        // The cookie handler removes the session row through the store, then the cookie.
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var principal = await PrincipalAsync();
        var id = principal?.FindFirstValue(SessionClaims.Session) ?? throw new SessionExpiredException();
        if (Fresh(await store.RetrieveAsync(id) ?? throw new SessionExpiredException()) is { } token)
        {
            return token;
        }

        // One refresh per session at a time: a refresh token is used once, and a second use would
        // make DataSource revoke the whole sign-in.
        using (await gate.EnterAsync(id, cancellationToken))
        {
            var ticket = await store.RetrieveAsync(id) ?? throw new SessionExpiredException();
            if (Fresh(ticket) is { } refreshed)
            {
                return refreshed;
            }

            var refresh = ticket.Properties.GetTokenValue(RefreshTokenName) ?? throw new SessionExpiredException();
            OAuthTokenResponse renewed;
            try
            {
                renewed = await tokenEndpoint.RefreshAsync(refresh, cancellationToken);
            }
            catch (ApiProblemException ex) when (ex.Status is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Unauthorized)
            {
                // Revoked, expired, reused or the account disabled: the session is over.
                await store.RemoveAsync(id);
                throw new SessionExpiredException();
            }

            ticket.Properties.StoreTokens(Tokens(renewed));
            await store.RenewAsync(id, ticket);
            return renewed.Access_token;
        }
    }

    private string? Fresh(AuthenticationTicket ticket) =>
        ticket.Properties.GetTokenValue(AccessExpiresName) is { } text
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var expires)
        && expires - RefreshBefore > clock.GetUtcNow()
            ? ticket.Properties.GetTokenValue(AccessTokenName)
            : null;

    private AuthenticationToken[] Tokens(OAuthTokenResponse token) =>
    [
        new AuthenticationToken { Name = AccessTokenName, Value = token.Access_token },
        new AuthenticationToken { Name = AccessExpiresName, Value = clock.GetUtcNow().AddSeconds(token.Expires_in).ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
        .. token.Refresh_token is { } refresh ? [new AuthenticationToken { Name = RefreshTokenName, Value = refresh }] : Array.Empty<AuthenticationToken>(),
    ];

    private async Task<ClaimsPrincipal?> PrincipalAsync()
    {
        try
        {
            return (await authentication.GetAuthenticationStateAsync()).User;
        }
        catch (InvalidOperationException)
        {
            // Outside Razor components (the CSV export endpoint) the request carries the principal.
            return http.HttpContext?.User;
        }
    }
}
