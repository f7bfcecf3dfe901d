using System.Security.Claims;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>The claims our access tokens carry (RFC 9068 names where one exists), and how an API reads them.</summary>
public static class DigiUsherClaims
{
    public const string Organization = "org";
    public const string Role = "role";
    public const string Subject = "sub";
    public const string Email = "email";
    public const string Scope = "scope";
    public const string ClientId = "client_id";
    public const string IssuedAt = "iat";

    /// <summary>
    /// When the token was issued, in Unix milliseconds: <c>iat</c> has whole seconds, which cannot tell a token
    /// signed just after a revocation (a sign-in with the new password) from one signed just before it.
    /// </summary>
    public const string IssuedAtMilliseconds = "iat_ms";

    public const string AdminRole = "admin";
    public const string MemberRole = "member";
    public const string ServiceRole = "service";

    /// <summary>The role of DigiUsher's own services calling each other (no organization).</summary>
    public const string InternalRole = "internal";

    public static Guid GetOrganizationId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(Organization), out var id)
            ? id
            : throw new UnauthorizedAccessException("The token carries no organization.");

    public static string GetSubject(this ClaimsPrincipal user) =>
        user.FindFirstValue(Subject) ?? throw new UnauthorizedAccessException("The token carries no subject.");

    public static IReadOnlyList<string> GetScopes(this ClaimsPrincipal user) =>
        [.. user.FindAll(Scope).SelectMany(c => Scopes.Parse(c.Value)).Distinct(StringComparer.Ordinal)];

    public static bool HasScope(this ClaimsPrincipal user, string scope) => user.GetScopes().Contains(scope, StringComparer.Ordinal);

    /// <summary>A service client's token (not a person's).</summary>
    public static bool IsServiceClient(this ClaimsPrincipal user) => user.FindFirstValue(Role) == ServiceRole;
}
