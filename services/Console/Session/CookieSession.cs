using System.Security.Claims;
using System.Text;
using System.Text.Json;
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
/// in another tab (or expired) stops working at once.
/// </summary>
public sealed class CookieSession(IHttpContextAccessor http, AuthenticationStateProvider authentication, SessionStore store, TimeProvider clock) : IUserSession
{
    private const string AccessTokenName = "access_token";

    /// <summary>A token this close to its expiry is treated as expired: the call would fail half-way.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(15);

    public async Task SignInAsync(HttpContext context, TokenResponse token)
    {
        var claims = ReadClaims(token.AccessToken);
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
            ExpiresUtc = clock.GetUtcNow().AddSeconds(token.ExpiresIn),
            AllowRefresh = false,
        };
        properties.StoreTokens([new AuthenticationToken { Name = AccessTokenName, Value = token.AccessToken }]);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), properties);
    }

    public async Task SignOutAsync(HttpContext context)
    {
        // The cookie handler removes the session row through the store, then the cookie.
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        var principal = await PrincipalAsync();
        var id = principal?.FindFirstValue(SessionClaims.Session) ?? throw new SessionExpiredException();
        var ticket = await store.RetrieveAsync(id) ?? throw new SessionExpiredException();
        if (ticket.Properties.ExpiresUtc is { } expires && expires - ExpiryMargin <= clock.GetUtcNow())
        {
            throw new SessionExpiredException();
        }

        return ticket.Properties.GetTokenValue(AccessTokenName) ?? throw new SessionExpiredException();
    }

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

    /// <summary>
    /// The claims of a token the console has just received from DataSource over its own connection
    /// (it does not validate the signature: it never accepts tokens from the browser).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReadClaims(string jwt)
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
