using System.Security.Claims;
using DigiUsher.Client.DataSource;
using DigiUsher.Console.Apis;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Console.Session;

/// <summary>
/// The console's session: the browser holds only an opaque, HttpOnly cookie; the tokens the APIs
/// issued (access and refresh) stay in the server-side session store.
/// </summary>
public interface IUserSession : ISessionTokens
{
    /// <summary>Starts a session for the token an API issued (sign-in, registration, accepted invitation).</summary>
    Task SignInAsync(HttpContext http, OAuthTokenResponse token);

    /// <summary>Ends the session on the server and removes the cookie.</summary>
    Task SignOutAsync(HttpContext http);
}

/// <summary>Who is signed in, read from the session's claims.</summary>
public sealed record SignedInUser(Guid UserId, Guid OrganizationId, string Email, string Role)
{
    public bool IsAdmin => Role == "admin";

    public static SignedInUser? From(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true
        && Guid.TryParse(principal.FindFirstValue(DigiUsherClaims.Subject), out var user)
        && Guid.TryParse(principal.FindFirstValue(DigiUsherClaims.Organization), out var organization)
            ? new SignedInUser(user, organization, principal.FindFirstValue(DigiUsherClaims.Email) ?? "", principal.FindFirstValue(DigiUsherClaims.Role) ?? "member")
            : null;
}

/// <summary>The session's own claim; the others are the token's (<see cref="DigiUsherClaims"/>).</summary>
public static class SessionClaims
{
    /// <summary>The server-side session's id (the key of its row in <c>console.sessions</c>).</summary>
    public const string Session = "sid";
}
