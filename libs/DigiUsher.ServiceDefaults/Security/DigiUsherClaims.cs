using System.Security.Claims;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>The claims our tokens carry, and how an API reads the caller's tenant from them.</summary>
public static class DigiUsherClaims
{
    public const string Organization = "org";
    public const string Role = "role";
    public const string Subject = "sub";
    public const string Email = "email";

    public const string AdminRole = "admin";
    public const string MemberRole = "member";
    public const string ServiceRole = "service";

    /// <summary>Authenticated users and service clients of any role.</summary>
    public const string TenantPolicy = "tenant";

    /// <summary>Organization admins only.</summary>
    public const string AdminPolicy = "admin";

    public static Guid GetOrganizationId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(Organization), out var id)
            ? id
            : throw new UnauthorizedAccessException("The token carries no organization.");

    public static string GetSubject(this ClaimsPrincipal user) =>
        user.FindFirstValue(Subject) ?? throw new UnauthorizedAccessException("The token carries no subject.");
}
