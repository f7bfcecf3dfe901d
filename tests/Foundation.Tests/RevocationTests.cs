using System.Security.Claims;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Foundation.Tests;

public class RevocationTests
{
    private const long RevokedAt = 1_796_000_000_500; // half a second into a second

    private static ClaimsPrincipal Token(long? issuedAtMilliseconds, long? issuedAtSeconds)
    {
        var claims = new List<Claim> { new(DigiUsherClaims.Subject, "user") };
        if (issuedAtMilliseconds is { } ms)
        {
            claims.Add(new Claim(DigiUsherClaims.IssuedAtMilliseconds, ms.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (issuedAtSeconds is { } seconds)
        {
            claims.Add(new Claim(DigiUsherClaims.IssuedAt, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test"));
    }

    [Theory]
    [InlineData(RevokedAt - 1, true)] // signed just before the revocation, in its own second
    [InlineData(RevokedAt, true)] // the same millisecond cannot be told apart: refused
    [InlineData(RevokedAt + 1, false)] // the sign-in right after a password reset, in the same second
    [InlineData(RevokedAt + 60_000, false)]
    public void IssuedBy_WithIatMs_ComparesMilliseconds(long issuedAtMilliseconds, bool revoked) =>
        Assert.Equal(revoked, RevocationList.IssuedBy(Token(issuedAtMilliseconds, issuedAtMilliseconds / 1000), RevokedAt));

    [Theory]
    [InlineData(RevokedAt / 1000 - 1, true)]
    [InlineData(RevokedAt / 1000, true)] // iat's whole second holds tokens of before the revocation: all refused
    [InlineData(RevokedAt / 1000 + 1, false)]
    public void IssuedBy_WithOnlyIat_RefusesTheRevocationsWholeSecond(long issuedAtSeconds, bool revoked) =>
        Assert.Equal(revoked, RevocationList.IssuedBy(Token(null, issuedAtSeconds), RevokedAt));

    [Fact]
    public void IssuedBy_WithNoIssuedAtAtAll_IsRevoked() => Assert.True(RevocationList.IssuedBy(Token(null, null), RevokedAt));
}
