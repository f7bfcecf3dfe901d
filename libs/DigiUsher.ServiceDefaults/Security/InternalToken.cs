using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// Short-lived tokens one service presents to another's <c>/internal/*</c> endpoints (e.g. Query
/// pulling an import's rollup from CurParser). Signed with the shared JWT key, role <c>internal</c>,
/// no organization: tenant routes reject them, internal routes accept only them.
/// </summary>
public static class InternalToken
{
    public const string Role = "internal";
    public const string Policy = "internal";

    public static string Create(JwtOptions options, string callingService, TimeSpan? lifetime = null)
    {
        var handler = new JsonWebTokenHandler();
        var now = DateTime.UtcNow;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Subject = new ClaimsIdentity([new Claim(DigiUsherClaims.Subject, $"service:{callingService}"), new Claim(DigiUsherClaims.Role, Role)]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
