using System.Security.Claims;
using System.Security.Cryptography;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.Testing;

/// <summary>
/// DataSource's token-issuing face for tests that run a service without DataSource (Query,
/// ResourceDiscovery, CurParser on their own): an ES256 key published as DataSource publishes it
/// (discovery document and JWKS on a real HTTP port), tokens with the claims DataSource issues, and
/// client credentials for DigiUsher's own services. The service under test validates through its
/// real JWKS path. Tests that run DataSource use DataSource's own endpoints instead.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private static readonly Lazy<Task<TestIssuer>> SharedIssuer = new(() => StartAsync());

    private readonly WebApplication _app;
    private readonly ECDsaSecurityKey _key;

    private TestIssuer(WebApplication app, ECDsaSecurityKey key, string url)
    {
        _app = app;
        _key = key;
        Url = url;
    }

    /// <summary>One issuer for the whole test run.</summary>
    public static TestIssuer Shared => SharedIssuer.Value.GetAwaiter().GetResult();

    public string Url { get; }

    public static async Task<TestIssuer> StartAsync()
    {
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}";
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "test-issuer-" + Guid.NewGuid().ToString("N")[..8] };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new TestIssuer(app, key, url);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = url,
            ["token_endpoint"] = url + "/connect/token",
            ["jwks_uri"] = url + "/.well-known/jwks.json",
        }));
        app.MapGet("/.well-known/jwks.json", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(false))) { KeyId = key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = jwk.Kid, use = "sig", alg = "ES256" } } });
        });
        app.MapPost("/connect/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (id, secret) = (form["client_id"].ToString(), form["client_secret"].ToString());
            if (request.Headers.Authorization.ToString() is { } header && header.StartsWith("Basic ", StringComparison.Ordinal))
            {
                var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
                (id, secret) = (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]));
            }

            if (form["grant_type"] != "client_credentials" || secret != TestEnvironment.ServiceSecret(id) || !ServiceIdentities.ScopesOf.TryGetValue(id, out var scopes))
            {
                return Results.Json(new { error = "invalid_client" }, statusCode: 401);
            }

            return Results.Json(new { access_token = issuer.ServiceToken(id, scopes), token_type = "Bearer", expires_in = 900, scope = Scopes.Format(scopes) });
        });
        await app.StartAsync();
        return issuer;
    }

    /// <summary>A user's token (the scopes of the role unless given).</summary>
    public string Token(Guid organizationId, string role = DigiUsherClaims.AdminRole, IReadOnlyList<string>? scopes = null, string? subject = null, DateTime? expires = null, string? email = "someone@example.com") =>
        Sign(new Dictionary<string, object?>
        {
            [DigiUsherClaims.Subject] = subject ?? Guid.NewGuid().ToString(),
            [DigiUsherClaims.Organization] = organizationId.ToString(),
            [DigiUsherClaims.Role] = role,
            [DigiUsherClaims.Email] = email,
            [DigiUsherClaims.ClientId] = "console",
            [DigiUsherClaims.Scope] = Scopes.Format(scopes ?? Scopes.ForRole(role)),
        }, expires);

    /// <summary>A token of one of DigiUsher's own services (role internal, no organization).</summary>
    public string ServiceToken(string clientId, IReadOnlyList<string> scopes) => Sign(new Dictionary<string, object?>
    {
        [DigiUsherClaims.Subject] = ServiceIdentities.SubjectOf(clientId),
        [DigiUsherClaims.Role] = DigiUsherClaims.InternalRole,
        [DigiUsherClaims.ClientId] = clientId,
        [DigiUsherClaims.Scope] = Scopes.Format(scopes),
    }, null);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private string Sign(Dictionary<string, object?> claims, DateTime? expires)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(30);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Url,
            Audience = "digiusher-api",
            IssuedAt = expiry.AddMinutes(-30),
            NotBefore = expiry.AddMinutes(-30),
            Expires = expiry,
            TokenType = AuthenticationExtensions.AccessTokenType,
            Subject = new ClaimsIdentity(claims.Where(c => c.Value is not null).Select(c => new Claim(c.Key, c.Value!.ToString()!))),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256),
        });
    }
}
