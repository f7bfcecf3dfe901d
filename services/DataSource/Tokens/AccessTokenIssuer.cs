using System.Security.Claims;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.DataSource.Tokens;

/// <summary>Who a token is for: a user, a tenant's service client or one of DigiUsher's own services.</summary>
/// <param name="Subject">A user's or service client's id, or <c>service:{name}</c>.</param>
/// <param name="OrganizationId">None for DigiUsher's own services.</param>
/// <param name="Role"><c>admin</c>, <c>member</c>, <c>service</c> or <c>internal</c>.</param>
/// <param name="Email">Users only.</param>
/// <param name="ClientId">The OAuth client the token was issued to.</param>
/// <param name="Scopes">What the token opens.</param>
public sealed record TokenSubject(string Subject, Guid? OrganizationId, string Role, string? Email, string ClientId, IReadOnlyList<string> Scopes);

/// <summary>A signed access token and its lifetime in seconds.</summary>
public sealed record IssuedAccessToken(string Token, int ExpiresIn);

/// <summary>
/// Signs RFC 9068 JWT access tokens (<c>typ: at+jwt</c>) with the key ring's current ES256 key:
/// <c>iss</c>, <c>aud</c>, <c>sub</c>, <c>client_id</c>, <c>scope</c>, <c>jti</c>, <c>iat</c>,
/// <c>exp</c>, and ours: <c>org</c>, <c>role</c>, <c>email</c> (users), <c>iat_ms</c> (for revocations).
/// </summary>
public sealed class AccessTokenIssuer(SigningKeyRing keys, IOptions<AuthOptions> auth, IOptions<IssuerOptions> issuer, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public IssuedAccessToken Issue(TokenSubject subject)
    {
        var claims = new List<Claim>
        {
            new(DigiUsherClaims.Subject, subject.Subject),
            new(DigiUsherClaims.Role, subject.Role),
            new(DigiUsherClaims.ClientId, subject.ClientId),
            new(DigiUsherClaims.Scope, Scopes.Format(subject.Scopes)),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
        };
        if (subject.OrganizationId is { } organization)
        {
            claims.Add(new Claim(DigiUsherClaims.Organization, organization.ToString()));
        }

        if (subject.Email is not null)
        {
            claims.Add(new Claim(DigiUsherClaims.Email, subject.Email));
        }

        var issuedAt = time.GetUtcNow();
        claims.Add(new Claim(DigiUsherClaims.IssuedAtMilliseconds, issuedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        var now = issuedAt.UtcDateTime;
        var lifetime = issuer.Value.AccessTokenLifetime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Value.ExpectedIssuer,
            Audience = auth.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = AuthenticationExtensions.AccessTokenType,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = keys.Current(),
        });
        return new IssuedAccessToken(token, (int)lifetime.TotalSeconds);
    }
}
