using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.DataSource.Tokens;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// <c>/connect/token</c> as a standard OAuth 2.0 library (Duende.IdentityModel) and RFC 6749's own
/// examples use it, and every way a token must be refused.
/// </summary>
public class TokenTests
{
    [Fact]
    public async Task ClientCredentials_WithAStandardLibrary_GivesAnEs256TokenWhoseKeyIsInTheJwksAndWhoseScopeOpensOnlyItsRoutes()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var client = await host.CreateServiceClientAsync(admin.Token, Scopes.CostsRead, Scopes.DataSourcesRead);
        using var http = host.CreateClient();

        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = "http://localhost", Policy = { RequireHttps = false } });
        Assert.False(discovery.IsError, discovery.Error);
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = client.ClientId,
            ClientSecret = client.Secret,
            Scope = "data-sources:read",
        });

        Assert.False(token.IsError, token.Error + string.Join('\n', host.Logs.Lines.Where(l => l.Contains("xception", StringComparison.Ordinal))));
        Assert.Equal("Bearer", token.TokenType);
        Assert.Null(token.RefreshToken);
        var jwt = new JsonWebToken(token.AccessToken);
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Contains(discovery.KeySet!.Keys, k => k.Kid == jwt.Kid && k.Kty == "EC" && k.Crv == "P-256" && k.D is null);
        Assert.Equal("data-sources:read", jwt.GetClaim("scope").Value);
        Assert.Equal(admin.OrganizationId.ToString(), jwt.GetClaim("org").Value);
        Assert.False(jwt.TryGetClaim("email", out _));
        using var api = host.CreateClient(token.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/data-sources")).StatusCode);
        using var users = await api.GetAsync("/api/v1/users");
        await AssertProblemAsync(users, HttpStatusCode.Forbidden, "users:read");
        using var create = await api.PostAsJsonAsync("/api/v1/data-sources", new { name = "x" });
        await AssertProblemAsync(create, HttpStatusCode.Forbidden, "data-sources:write");
    }

    [Fact]
    public async Task ClientCredentials_WithAScopeNotGrantedOrAWrongSecretOrRevoked_IsRefused()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var client = await host.CreateServiceClientAsync(admin.Token, Scopes.CostsRead, Scopes.DataSourcesRead);
        using var http = host.CreateClient();

        var notGranted = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = client.ClientId, ClientSecret = client.Secret, Scope = "costs:read users:read",
        });
        var wrongSecret = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = client.ClientId, ClientSecret = client.Secret + "x",
        });
        var valid = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = client.ClientId, ClientSecret = client.Secret,
        });
        using var adminApi = host.CreateClient(admin.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.DeleteAsync($"/api/v1/service-clients/{client.Id}")).StatusCode);
        var revoked = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = client.ClientId, ClientSecret = client.Secret,
        });

        Assert.Equal("invalid_scope", notGranted.Error);
        Assert.Contains("users:read", notGranted.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.HttpStatusCode);
        Assert.Equal("invalid_client", JsonDocument.Parse(wrongSecret.Raw!).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.HttpStatusCode);
        Assert.Equal("invalid_client", JsonDocument.Parse(revoked.Raw!).RootElement.GetProperty("error").GetString());
        Assert.False(valid.IsError, valid.Error);
        using var stillHeld = host.CreateClient(valid.AccessToken);
        await Eventually.True(async () => (await stillHeld.GetAsync("/api/v1/data-sources")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromMinutes(1), "the revoked client's token refused");
    }

    public static TheoryData<string, string> Forgeries => new()
    {
        { "expired", "expired" },
        { "another key", "does not verify" },
        { "alg none", "does not verify" },
        { "HS256 with the former shared key", "does not verify" },
        { "another issuer", "issued by someone else" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Api_WhenTheTokenIsForged_AnswersProblemDetails401WithACorrelationId(string forgery, string detail)
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var real = new JsonWebToken(admin.Token);
        var claims = real.Claims.Where(c => c.Type is "sub" or "org" or "role" or "email" or "scope" or "client_id").ToList();
        var keys = host.Services.GetRequiredService<SigningKeyRing>();
        var token = forgery switch
        {
            "expired" => Sign(claims, keys.Current(), "http://localhost", DateTime.UtcNow.AddHours(-1)),
            "another key" => Sign(claims, new SigningCredentials(new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = real.Kid }, "ES256"), "http://localhost"),
            "alg none" => Unsigned(claims),
            "HS256 with the former shared key" => Sign(claims, new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestEnvironment.FormerSharedJwtKey)), "HS256"), "http://localhost"),
            _ => Sign(claims, keys.Current(), "http://evil.example"),
        };
        using var api = host.CreateClient(token);
        api.DefaultRequestHeaders.Add("X-Correlation-Id", "forgery-test-1");

        using var response = await api.GetAsync("/api/v1/data-sources");

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized, detail);
        Assert.Equal("forgery-test-1", problem.GetProperty("correlationId").GetString());
        Assert.StartsWith("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        using var genuine = host.CreateClient(admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await genuine.GetAsync("/api/v1/data-sources")).StatusCode);
    }

    [Fact]
    public async Task PasswordThenRefresh_RotatesTheRefreshTokenAndAReusedOneRevokesTheSignIn()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var http = host.CreateClient();

        var signIn = await http.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = admin.Password });
        Assert.False(signIn.IsError, signIn.Error);
        Assert.Equal(Scopes.Format(Scopes.ForRole("admin")), signIn.Scope);
        var first = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = signIn.RefreshToken! });
        Assert.False(first.IsError, first.Error);
        Assert.NotEqual(signIn.RefreshToken, first.RefreshToken);
        var narrowed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = first.RefreshToken!, Scope = "costs:read" });
        Assert.Equal("costs:read", narrowed.Scope);

        var reused = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = first.RefreshToken! });
        var afterReuse = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = narrowed.RefreshToken! });

        Assert.Equal("invalid_grant", reused.Error);
        Assert.Equal("invalid_grant", afterReuse.Error);
        Assert.Contains("revoked", afterReuse.ErrorDescription, StringComparison.Ordinal);
        var wrongPassword = await http.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = "not the password" });
        Assert.Equal("invalid_grant", wrongPassword.Error);
    }

    [Fact]
    public async Task Revoke_WithTheRefreshToken_EndsTheSignIn()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var http = host.CreateClient();
        var signIn = await http.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = admin.Password });

        var revocation = await http.RevokeTokenAsync(new TokenRevocationRequest { Address = "/connect/revoke", ClientId = "console", Token = signIn.RefreshToken!, TokenTypeHint = "refresh_token" });
        var refresh = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = signIn.RefreshToken! });

        Assert.False(revocation.IsError, revocation.Error);
        Assert.Equal("invalid_grant", refresh.Error);
    }

    /// <summary>The requests of RFC 6749 sections 4.4.2, 4.3.2 and 6, byte for byte but for the credentials.</summary>
    [Fact]
    public async Task Token_WithTheRfc6749ExampleRequests_AnswersAsTheRfcSays()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var client = await host.CreateServiceClientAsync(admin.Token, Scopes.CostsRead);
        using var http = host.CreateClient();

        using var clientCredentials = await RawAsync(http, "grant_type=client_credentials", Basic(client.ClientId, client.Secret));
        Assert.Equal(HttpStatusCode.OK, clientCredentials.StatusCode);
        Assert.Equal("application/json", clientCredentials.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", clientCredentials.Headers.CacheControl?.ToString());
        Assert.Contains("no-cache", clientCredentials.Headers.Pragma.ToString(), StringComparison.Ordinal);
        var body = await clientCredentials.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());

        using var password = await RawAsync(http, $"grant_type=password&username={Uri.EscapeDataString(admin.Email)}&password={Uri.EscapeDataString(admin.Password)}", null);
        var refreshToken = (await password.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;
        using var refresh = await RawAsync(http, $"grant_type=refresh_token&refresh_token={refreshToken}", null);
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);

        using var wrongClient = await RawAsync(http, "grant_type=client_credentials", Basic(client.ClientId, "gX1fBat3bV"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongClient.StatusCode);
        Assert.Equal("Basic", wrongClient.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("invalid_client", (await wrongClient.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        foreach (var (form, error) in new[]
        {
            ("grant_type=client_credentials&grant_type=password", "invalid_request"),
            ("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA", "unsupported_grant_type"),
            ("grant_type=password&username=johndoe", "invalid_request"),
            ("grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA", "invalid_grant"),
            ("scope=costs:read", "invalid_request"),
        })
        {
            using var refused = await RawAsync(http, form, null);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(error, problem.GetProperty("error").GetString());
            Assert.Equal(400, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("correlationId").GetString()));
        }

        using var json = await http.PostAsJsonAsync("/connect/token", new { grant_type = "client_credentials" });
        Assert.True(json.StatusCode == HttpStatusCode.BadRequest, await json.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task SigningKeys_TheSuccessorIsPublishedBeforeItSignsAndARotatedKeyStaysPublished()
    {
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string>
        {
            ["Auth__SigningKeys__Lifetime"] = "00:10:00",
            ["Auth__SigningKeys__PublishAhead"] = "00:10:00",
        });
        var admin = await host.RegisterAsync();
        var keys = host.Services.GetRequiredService<SigningKeyRing>();
        using var http = host.CreateClient();
        var signingNow = keys.Current().Key.KeyId;

        await keys.EnsureAsync(CancellationToken.None);
        var published = await KidsAsync(http);
        Assert.Equal(2, published.Count);
        Assert.Contains(signingNow, published);
        Assert.Equal(signingNow, keys.Current().Key.KeyId);

        await keys.RotateNowAsync(CancellationToken.None);
        var rotated = keys.Current().Key.KeyId;
        Assert.NotEqual(signingNow, rotated);
        Assert.Contains(signingNow, await KidsAsync(http));
        Assert.Contains(rotated, await KidsAsync(http));
        using var old = host.CreateClient(admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/v1/data-sources")).StatusCode);
        Assert.Equal(rotated, new JsonWebToken(await host.SignInAsync(admin.Email, admin.Password)).Kid);
    }

    private static async Task<List<string>> KidsAsync(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("/.well-known/jwks.json")).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("correlationId").GetString()));
        return problem;
    }

    private static Task<HttpResponseMessage> RawAsync(HttpClient http, string form, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Authorization = authorization;
        return http.SendAsync(request);
    }

    private static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    private static string Sign(IEnumerable<Claim> claims, SigningCredentials credentials, string issuer, DateTime? expires = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = "digiusher-api",
            IssuedAt = expiry.AddMinutes(-15),
            NotBefore = expiry.AddMinutes(-15),
            Expires = expiry,
            TokenType = "at+jwt",
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = credentials,
        });
    }

    private static string Unsigned(IEnumerable<Claim> claims)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var payload = claims.ToDictionary(c => c.Type, c => (object)c.Value);
        payload["iss"] = "http://localhost";
        payload["aud"] = "digiusher-api";
        payload["exp"] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        payload["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part(new { alg = "none", typ = "at+jwt" }) + "." + Part(payload) + ".";
    }
}
