using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.Reliability.Tests;

/// <summary>Hostile callers of the public APIs of DataSource and Query (real processes).</summary>
public sealed class ApiHostileInputTests(ApiHarness api) : IClassFixture<ApiHarness>
{
    private static readonly string[] Anonymous = ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/invitations/accept", "/connect/token", "/connect/revoke"];

    /// <summary>Public documents: the discovery document and the public keys.</summary>
    private static readonly string[] Public = ["/.well-known/openid-configuration", "/.well-known/jwks.json"];

    private static readonly string[] SqlPayloads =
    [
        "'; drop table query.cost_days; --",
        "x' or '1'='1",
        "\") or 1=1 --",
        "%' union select current_user, null --",
        "$$; select pg_sleep(5); $$",
        "a\\'b",
    ];

    [Fact]
    public async Task EveryRoute_WhenCalledWithoutAValidToken_AnswersUnauthorizedExceptRegisterTokenAndHealth()
    {
        string?[] badTokens =
        [
            null,
            "not-a-jwt",
            ApiHarness.ForgedHs256Token(api.First.Id, signingKey: "a-forged-signing-key-that-is-long-enough-0123456789"),
            ApiHarness.ForgedHs256Token(api.First.Id),
            TestIssuer.Shared.Token(api.First.Id),
            ApiHarness.UnsignedToken(api.First.Id),
            ApiHarness.ForgedHs256Token(api.First.Id, expires: DateTime.UtcNow.AddHours(-2)),
            ApiHarness.ForgedHs256Token(organizationId: null),
        ];
        var checkedRoutes = 0;
        foreach (var service in new[] { api.DataSource, api.Query })
        {
            foreach (var (method, path) in await RoutesAsync(service))
            {
                foreach (var token in badTokens)
                {
                    using var http = ApiHarness.Authorized(service, token);
                    using var request = new HttpRequestMessage(method, Fill(path));
                    if (method != HttpMethod.Get && method != HttpMethod.Delete)
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await http.SendAsync(request);
                    if (Public.Contains(path))
                    {
                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    }
                    else if (Anonymous.Contains(path))
                    {
                        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized,
                            $"{method} {path} with an empty body answered {(int)response.StatusCode}");
                    }
                    else if (token == badTokens[^1])
                    {
                        // Signed by us but without an organization: authenticated, not authorized.
                        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
                            $"{service.Service} {method} {path} (token without org) answered {(int)response.StatusCode}");
                    }
                    else
                    {
                        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{service.Service} {method} {path} (token {Describe(token)}) answered {(int)response.StatusCode}, not 401");
                    }
                }

                checkedRoutes++;
            }

            using var anonymous = service.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        }

        Assert.True(checkedRoutes >= 15, $"only {checkedRoutes} routes in the OpenAPI documents");
    }

    [Fact]
    public async Task Register_WhenTheBodyIsOversized_IsRefusedAndTheServiceStaysUp()
    {
        using var http = api.DataSource.CreateClient();
        var huge = "{\"email\":\"a@example.com\",\"password\":\"correct horse battery\",\"organizationName\":\"" + new string('x', 40 * 1024 * 1024) + "\"}";
        try
        {
            using var response = await http.PostAsync("/api/v1/auth/register", new StringContent(huge, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"answered {(int)response.StatusCode}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            // Kestrel answers 413 and closes the connection while the client is still sending.
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/auth/register")]
    [InlineData("/api/v1/auth/token")]
    [InlineData("/api/v1/data-sources")]
    public async Task Post_WhenTheJsonIsNestedThousandsDeep_AnswersBadRequestProblem(string path)
    {
        using var http = ApiHarness.Authorized(api.DataSource, api.First.Token);
        var deep = "{\"name\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        using var response = await http.PostAsync(path, new StringContent(deep, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task QueryFilters_WhenEveryFilterAndTagKeyHoldsSqlMetacharacters_NeverFailAndChangeNothing()
    {
        var before = await QueryTablesAsync();
        using var http = ApiHarness.Authorized(api.Query, api.First.Token);
        string[] dimensions = ["service", "account", "region", "resource", "usageType", "lineItemType", "owner"];
        foreach (var payload in SqlPayloads)
        {
            var value = Uri.EscapeDataString(payload);
            var urls = new List<string>
            {
                $"/api/v1/costs?groupBy=tag:{value}",
                $"/api/v1/costs?tag:{value}={value}",
                $"/api/v1/costs?groupBy=service,tag:{value}&tag:team={value}",
                $"/api/v1/costs/export?groupBy=tag:{value}&tag:{value}=",
                $"/api/v1/resources?kind={value}&region={value}&owner={value}&tag:{value}={value}",
                $"/api/v1/resources/{value}",
                $"/api/v1/findings?type={value}&dataSourceId={value}",
                $"/api/v1/imports?dataSourceId={value}",
                $"/api/v1/employees/{value}/resources",
                $"/api/v1/costs?metric={value}&from={value}",
                $"/api/v1/costs?cursor={value}",
            };
            urls.AddRange(dimensions.Select(d => $"/api/v1/costs?groupBy={d}&{d}={value}"));
            urls.AddRange(dimensions.Select(d => $"/api/v1/costs?groupBy={value}&{d}={value},{value}"));
            foreach (var url in urls)
            {
                using var response = await http.GetAsync(url);
                Assert.True((int)response.StatusCode < 500, $"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                if (response.StatusCode == HttpStatusCode.BadRequest)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        Assert.Equal(before, await QueryTablesAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/costs")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/data-sources/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/v1/data-sources/../../health/live")]
    [InlineData("/api/v1/resources/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/v1/resources/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/api/v1/employees/..%2F..%2Fetc%2Fpasswd/resources")]
    [InlineData("/api/v1/data-sources/%00/status")]
    public async Task Get_WhenTheIdIsAPathTraversal_AnswersNotFoundOrBadRequestWithoutLeaking(string path)
    {
        var service = path.StartsWith("/api/v1/data-sources", StringComparison.Ordinal) ? api.DataSource : api.Query;
        using var http = ApiHarness.Authorized(service, api.First.Token);
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // Only an empty, tenant-scoped answer may come back (e.g. an employee with no resources).
            Assert.DoesNotContain("\"status\":\"Healthy\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task QueryFilters_WhenATagKeyHoldsANulCharacter_AnswersBadRequest()
    {
        using var http = ApiHarness.Authorized(api.Query, api.First.Token);
        using var response = await http.GetAsync("/api/v1/costs?groupBy=tag:%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Tokens_WhenOfAnotherOrganization_SeeOnlyTheirOwnOrganization()
    {
        using var first = ApiHarness.Authorized(api.DataSource, api.First.Token);
        using var second = ApiHarness.Authorized(api.DataSource, api.Second.Token);
        var firstUsers = await first.GetStringAsync("/api/v1/users");
        var secondUsers = await second.GetStringAsync("/api/v1/users");
        Assert.Contains(api.First.Email, firstUsers, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Second.Email, firstUsers, StringComparison.Ordinal);
        Assert.Contains(api.Second.Email, secondUsers, StringComparison.Ordinal);
        Assert.DoesNotContain(api.First.Email, secondUsers, StringComparison.Ordinal);

        // A data source id of another organization is not found, whatever its id looks like.
        using var response = await second.GetAsync($"/api/v1/data-sources/{Guid.NewGuid()}/status");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<IReadOnlyList<(HttpMethod Method, string Path)>> RoutesAsync(ServiceProcess service)
    {
        using var http = service.CreateClient();
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var routes = new List<(HttpMethod, string)>();
        foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name is "get" or "post" or "put" or "patch" or "delete")
                {
                    routes.Add((new HttpMethod(operation.Name.ToUpperInvariant()), path.Name));
                }
            }
        }

        return routes;
    }

    private static string Fill(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", Guid.NewGuid().ToString());

    private static string Describe(string? token) => token is null ? "none" : token.Length > 20 ? token[..20] + "…" : token;

    private async Task<string> QueryTablesAsync()
    {
        await using var connection = new NpgsqlConnection(api.Database.AdminConnectionString);
        return string.Join(',', await connection.QueryAsync<string>(
            "select table_schema || '.' || table_name from information_schema.tables where table_schema in ('query', 'datasource') order by 1"));
    }
}
