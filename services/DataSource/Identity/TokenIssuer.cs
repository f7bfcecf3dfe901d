using System.Security.Claims;
using System.Text;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.DataSource.Identity;

/// <summary>The answer of <c>POST /api/v1/auth/token</c>.</summary>
/// <param name="AccessToken">Bearer JWT.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresIn">Lifetime in seconds.</param>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>Issues the bearer JWTs every DigiUsher API accepts (claims sub, org, role, email).</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options)
{
    public TokenResponse Issue(string subject, Guid organizationId, string role, string? email)
    {
        var jwt = options.Value;
        var claims = new List<Claim>
        {
            new(DigiUsherClaims.Subject, subject),
            new(DigiUsherClaims.Organization, organizationId.ToString()),
            new(DigiUsherClaims.Role, role),
        };
        if (email is not null)
        {
            claims.Add(new Claim(DigiUsherClaims.Email, email));
        }

        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(jwt.LifetimeSeconds),
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, "Bearer", jwt.LifetimeSeconds);
    }
}
