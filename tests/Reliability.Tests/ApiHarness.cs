using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigiUsher.Reliability.Tests;

/// <summary>The DataSource and Query processes on one database and virtual host, with two registered organizations.</summary>
public sealed class ApiHarness : IAsyncLifetime
{
    private TestDatabase? _database;
    private TestVirtualHost? _virtualHost;

    public TestDatabase Database => _database!;

    public ServiceProcess DataSource { get; private set; } = null!;

    public ServiceProcess Query { get; private set; } = null!;

    public Organization First { get; private set; } = null!;

    public Organization Second { get; private set; } = null!;

    public IEnumerable<string> LogLines => DataSource.LogLines.Concat(Query.LogLines);

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _virtualHost = await TestVirtualHost.CreateAsync();
        var dataSource = ServiceProcess.EnvironmentFor("DataSource", _database, _virtualHost);
        var query = ServiceProcess.EnvironmentFor("Query", _database, _virtualHost);
        query["Services__CurParser"] = $"http://127.0.0.1:{FreePort.Next()}";
        var dataSourcePort = FreePort.Next();
        ServiceProcess.UseDataSourceAsIssuer(dataSource, "DataSource", $"http://127.0.0.1:{dataSourcePort}");
        ServiceProcess.UseDataSourceAsIssuer(query, "Query", $"http://127.0.0.1:{dataSourcePort}");
        await ServiceProcess.MigrateAsync("DataSource", dataSource);
        await ServiceProcess.MigrateAsync("Query", query);
        DataSource = await ServiceProcess.StartAsync("DataSource", dataSource, dataSourcePort);
        Query = await ServiceProcess.StartAsync("Query", query);
        First = await RegisterAsync("first");
        Second = await RegisterAsync("second");
    }

    public async Task DisposeAsync()
    {
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        if (Query is not null)
        {
            await Query.DisposeAsync();
        }

        if (_virtualHost is not null)
        {
            await _virtualHost.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    public static HttpClient Authorized(ServiceProcess service, string? token)
    {
        var client = service.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>
    /// A forgery: the claims DataSource issues, HS256-signed with <paramref name="signingKey"/> (by default the
    /// key every service shared before DataSource alone signed, with ES256).
    /// </summary>
    public static string ForgedHs256Token(Guid? organizationId, string signingKey = TestEnvironment.FormerSharedJwtKey, DateTime? expires = null, string role = DigiUsherClaims.AdminRole)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim>
        {
            new(DigiUsherClaims.Subject, Guid.NewGuid().ToString()),
            new(DigiUsherClaims.Role, role),
            new(DigiUsherClaims.Email, "forger@example.com"),
            new(DigiUsherClaims.Scope, Scopes.Format(Scopes.ForRole(role))),
        };
        if (organizationId is { } org)
        {
            claims.Add(new Claim(DigiUsherClaims.Organization, org.ToString()));
        }

        var expiry = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://127.0.0.1",
            Audience = "digiusher-api",
            IssuedAt = expiry.AddHours(-1),
            NotBefore = expiry.AddHours(-1),
            Expires = expiry,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A token with <c>alg: none</c> and no signature, claiming to be an admin of <paramref name="organizationId"/>.</summary>
    public static string UnsignedToken(Guid organizationId)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part(new { alg = "none", typ = "at+jwt" }) + "." + Part(new Dictionary<string, object>
        {
            ["sub"] = Guid.NewGuid().ToString(), ["org"] = organizationId.ToString(), ["role"] = "admin", ["scope"] = Scopes.Format(Scopes.ForRole("admin")),
            ["iss"] = "http://127.0.0.1", ["aud"] = "digiusher-api", ["iat"] = now, ["exp"] = now + 600,
        }) + ".";
    }

    private async Task<Organization> RegisterAsync(string name)
    {
        using var http = DataSource.CreateClient();
        var email = $"{name}-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        using var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = $"Org {name}" });
        registered.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await registered.Content.ReadAsStringAsync());
        var organizationId = body.RootElement.GetProperty("organizationId").GetGuid();
        using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "console", ["username"] = email, ["password"] = password,
        }));
        token.EnsureSuccessStatusCode();
        using var tokenBody = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        return new Organization(organizationId, email, tokenBody.RootElement.GetProperty("access_token").GetString()!);
    }
}

public sealed record Organization(Guid Id, string Email, string Token);
