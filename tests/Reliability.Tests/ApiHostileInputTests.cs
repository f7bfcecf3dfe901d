using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DigiUsher.Testing;

namespace DigiUsher.Reliability.Tests;

/// <summary>What a route must do with a hostile value in one of its parameters, to show the value reached the handler.</summary>
public enum Reached
{
    /// <summary>400 problem whose errors name the parameter: parsed and refused.</summary>
    Refused,

    /// <summary>200 with nothing in it, where the same request without the parameter answers something: the filter was applied.</summary>
    FilteredOut,

    /// <summary>200 whose groups are keyed by the tag the parameter names.</summary>
    GroupedBy,

    /// <summary>404 problem: the handler looked the value up in the organization.</summary>
    NotFound,
}

/// <summary>
/// Hostile callers of every public API (DataSource, Query, ResourceDiscovery) and of CurParser's internal
/// endpoint, against the real services with two organizations holding real data (<see cref="TenantStack"/>).
/// Every payload goes into a parameter the route really reads (the table below, checked against the OpenAPI
/// documents and the endpoints' declarations), and each test shows it got there: a 400 naming that parameter,
/// a 200 computed from it, or a 404 from the lookup, never only "not 500". Misspelling a parameter's name is
/// a 400 naming the misspelling, so the table cannot drift to names no route reads.
/// </summary>
public sealed class ApiHostileInputTests(TenantStack stack) : IClassFixture<TenantStack>
{
    /// <summary>SQL naming the real tables and columns of the services' schemas (see each service's Data/Migrations).</summary>
    private static readonly string[] SqlPayloads =
    [
        "'; drop table query.daily_dimension_costs; --",
        "x'); delete from curparser.line_items; --",
        "' union select access_key_id, encode(secret_ciphertext, 'hex') from datasource.data_sources --",
        "' or organization_id <> organization_id or 'a'='a",
        "$$; truncate discovery.owner_rules, discovery.resources; $$",
        "'; update datasource.users set role = 'admin', password_hash = null; select pg_sleep(5); --",
        "\") or 1=1; drop table query.resources cascade; --",
    ];

    /// <summary>The tables the payloads name; each must still exist with its rows afterwards.</summary>
    private static readonly string[] WatchedTables =
    [
        "query.daily_dimension_costs", "query.resources", "curparser.line_items", "curparser.imports",
        "datasource.data_sources", "datasource.users", "discovery.owner_rules", "discovery.resources",
    ];

    /// <summary>
    /// Every query and path parameter of the public GET routes, by its real name. <c>{p}</c> is where the
    /// payload goes; <c>{from}</c>/<c>{to}</c> are the imported month, so a filter that matches nothing is visible.
    /// </summary>
    public static TheoryData<string, string, string, Reached> Routes() => new()
    {
        // Query: costs
        { "Query", "/api/v1/costs?from={from}&to={to}&service={p}", "service", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&account={p}", "account", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&region={p}", "region", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&resource={p}", "resource", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&usageType={p}", "usageType", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&lineItemType={p}", "lineItemType", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&owner={p}", "owner", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&tag:{p}=web", "tag:", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&tag:team={p}", "tag:team", Reached.FilteredOut },
        { "Query", "/api/v1/costs?from={from}&to={to}&groupBy=tag:{p}", "groupBy", Reached.GroupedBy },
        { "Query", "/api/v1/costs?from={from}&to={to}&groupBy={p}", "groupBy", Reached.Refused },
        { "Query", "/api/v1/costs?from={from}&to={to}&metric={p}", "metric", Reached.Refused },
        { "Query", "/api/v1/costs?from={p}&to={to}", "from", Reached.Refused },
        { "Query", "/api/v1/costs?from={from}&to={p}", "to", Reached.Refused },
        { "Query", "/api/v1/costs?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/costs?from={from}&to={to}&limit={p}", "limit", Reached.Refused },
        { "Query", "/api/v1/costs?from={from}&to={to}&cursor={p}", "cursor", Reached.Refused },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&service={p}", "service", Reached.FilteredOut },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&owner={p}", "owner", Reached.FilteredOut },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&tag:{p}=web", "tag:", Reached.FilteredOut },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&groupBy={p}", "groupBy", Reached.Refused },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&metric={p}", "metric", Reached.Refused },
        { "Query", "/api/v1/costs/export?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/costs/dimensions/{p}/values?from={from}&to={to}", "dimension", Reached.Refused },
        { "Query", "/api/v1/costs/dimensions/service/values?from={from}&to={to}&startsWith={p}", "startsWith", Reached.FilteredOut },
        { "Query", "/api/v1/costs/dimensions/service/values?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/costs/dimensions/service/values?from={from}&to={to}&cursor={p}", "cursor", Reached.Refused },
        { "Query", "/api/v1/costs/tags?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/costs/tags?from={from}&to={to}&limit={p}", "limit", Reached.Refused },
        { "Query", "/api/v1/costs/cost-categories?from={p}&to={to}", "from", Reached.Refused },
        { "Query", "/api/v1/costs/cost-categories?from={from}&to={to}&cursor={p}", "cursor", Reached.Refused },

        // Query: resources, employees, findings, imports
        { "Query", "/api/v1/resources?from={from}&to={to}&kind={p}", "kind", Reached.FilteredOut },
        { "Query", "/api/v1/resources?from={from}&to={to}&region={p}", "region", Reached.FilteredOut },
        { "Query", "/api/v1/resources?from={from}&to={to}&owner={p}", "owner", Reached.FilteredOut },
        { "Query", "/api/v1/resources?from={from}&to={to}&tag:{p}=web", "tag:", Reached.FilteredOut },
        { "Query", "/api/v1/resources?from={from}&to={to}&public={p}", "public", Reached.Refused },
        { "Query", "/api/v1/resources?from={from}&to={to}&idle={p}", "idle", Reached.Refused },
        { "Query", "/api/v1/resources?from={from}&to={to}&discovered={p}", "discovered", Reached.Refused },
        { "Query", "/api/v1/resources?from={from}&to={to}&metric={p}", "metric", Reached.Refused },
        { "Query", "/api/v1/resources?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/resources?from={from}&to={to}&cursor={p}", "cursor", Reached.Refused },
        { "Query", "/api/v1/resources/coverage?from={from}&to={p}", "to", Reached.Refused },
        { "Query", "/api/v1/resources/coverage?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/resources/{p}?from={from}&to={to}", "id", Reached.NotFound },
        { "Query", "/api/v1/resources/i-0abc?from={from}&to={to}&metric={p}", "metric", Reached.Refused },
        { "Query", "/api/v1/employees/{p}/resources?from={from}&to={to}", "id", Reached.NotFound },
        { "Query", "/api/v1/employees/{employee}/resources?from={from}&to={to}&kind={p}", "kind", Reached.NotFound },
        { "Query", "/api/v1/employees/{employee}/resources?from={from}&to={to}&idle={p}", "idle", Reached.Refused },
        { "Query", "/api/v1/employees/{employee}/resources?from={from}&to={to}&dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/findings?type={p}", "type", Reached.Refused },
        { "Query", "/api/v1/findings?dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/findings?limit={p}", "limit", Reached.Refused },
        { "Query", "/api/v1/imports?dataSourceId={p}", "dataSourceId", Reached.Refused },
        { "Query", "/api/v1/imports?cursor={p}", "cursor", Reached.Refused },
        { "Query", "/api/v1/imports/in-progress?dataSourceId={p}", "dataSourceId", Reached.Refused },

        // DataSource
        { "DataSource", "/api/v1/aws/setup?bucket={p}", "bucket", Reached.Refused },
        { "DataSource", "/api/v1/aws/setup?bucket=acme-cur-reports&accountId={p}", "accountId", Reached.Refused },
        { "DataSource", "/api/v1/data-sources?limit={p}", "limit", Reached.Refused },
        { "DataSource", "/api/v1/data-sources?cursor={p}", "cursor", Reached.Refused },
        { "DataSource", "/api/v1/users?cursor={p}", "cursor", Reached.Refused },
        { "DataSource", "/api/v1/service-clients?limit={p}", "limit", Reached.Refused },
        { "DataSource", "/api/v1/audit?outcome={p}", "outcome", Reached.Refused },
        { "DataSource", "/api/v1/audit?since={p}", "since", Reached.Refused },
        { "DataSource", "/api/v1/audit?until={p}", "until", Reached.Refused },
        { "DataSource", "/api/v1/audit?limit={p}", "limit", Reached.Refused },
        { "DataSource", "/api/v1/audit?cursor={p}", "cursor", Reached.Refused },

        // ResourceDiscovery
        { "ResourceDiscovery", "/api/v1/owner-rules?limit={p}", "limit", Reached.Refused },
        { "ResourceDiscovery", "/api/v1/owner-rules?cursor={p}", "cursor", Reached.Refused },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Parameter_WhenItHoldsSqlNamingRealTables_ReachesTheHandlerAndChangesNothing(string service, string route, string parameter, Reached reached)
    {
        var before = await stack.CountRowsAsync(WatchedTables);
        Assert.All(before, t => Assert.True(t.Value > 0, $"{t.Key} should hold the victim's rows before the attack"));
        using var http = stack.A.Client(stack.Stack[service]);
        var template = Fill(route);

        if (reached == Reached.FilteredOut)
        {
            // The same request without the hostile parameter answers something, so an empty answer is the filter's doing.
            var baseline = await http.GetAsync(Without(template));
            var baselineBody = await baseline.Content.ReadAsStringAsync();
            Assert.True(baseline.StatusCode == HttpStatusCode.OK && !IsEmpty(baselineBody), $"{Without(template)} answered {(int)baseline.StatusCode}: {baselineBody}");
        }

        foreach (var payload in SqlPayloads)
        {
            var url = template.Replace("{p}", Uri.EscapeDataString(payload), StringComparison.Ordinal);
            using var response = await http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            var what = $"{service} GET {url} answered {(int)response.StatusCode}: {body}";
            switch (reached)
            {
                case Reached.Refused:
                    AssertProblemNames(response, body, parameter, HttpStatusCode.BadRequest);
                    break;
                case Reached.NotFound:
                    Assert.True(response.StatusCode == HttpStatusCode.NotFound, what);
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    break;
                case Reached.FilteredOut:
                    Assert.True(response.StatusCode == HttpStatusCode.OK && IsEmpty(body), what);
                    break;
                case Reached.GroupedBy when payload.Contains(',', StringComparison.Ordinal):
                    // groupBy is comma-separated: the payload's second half is an unknown dimension.
                    AssertProblemNames(response, body, parameter, HttpStatusCode.BadRequest);
                    break;
                case Reached.GroupedBy:
                    Assert.True(response.StatusCode == HttpStatusCode.OK, what);
                    using (var json = JsonDocument.Parse(body))
                    {
                        Assert.Equal(stack.Delivered.Month.Total, json.RootElement.GetProperty("total").GetDecimal());
                        Assert.All(json.RootElement.GetProperty("items").EnumerateArray(),
                            g => Assert.True(g.GetProperty("keys").TryGetProperty("tag:" + payload, out _), what));
                    }

                    break;
            }

            AssertNothingOf(stack.B, body, what);
            Assert.DoesNotContain(stack.A.SecretAccessKey, body, StringComparison.Ordinal);
        }

        // The route reads exactly this name: a misspelling is refused, naming the misspelling.
        if (Misspelled(template, parameter) is { } misspelled)
        {
            using var response = await http.GetAsync(misspelled.Url.Replace("{p}", "x", StringComparison.Ordinal));
            AssertProblemNames(response, await response.Content.ReadAsStringAsync(), misspelled.Name, HttpStatusCode.BadRequest);
        }

        Assert.Equal(before, await stack.CountRowsAsync(WatchedTables));
    }

    [Fact]
    public async Task Table_WhenComparedWithTheOpenApiDocuments_NamesOnlyRealParametersAndCoversEveryGetRouteThatTakesAny()
    {
        var documented = new HashSet<(string Service, string Path, string Name)>();
        var takingParameters = new HashSet<(string Service, string Path)>();
        foreach (var (service, document) in new[] { ("Query", "query.json"), ("DataSource", "data-source.json"), ("ResourceDiscovery", "resource-discovery.json") })
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "openapi", document)));
            foreach (var path in doc.RootElement.GetProperty("paths").EnumerateObject())
            {
                if (!path.Value.TryGetProperty("get", out var get) || !get.TryGetProperty("parameters", out var parameters))
                {
                    continue;
                }

                foreach (var parameter in parameters.EnumerateArray())
                {
                    // The free-form object "tags" is the family of tag:KEY parameters; a GUID path id is the routes' 404 (see the cross-tenant test).
                    var name = parameter.GetProperty("name").GetString()!;
                    documented.Add((service, path.Name, name == "tags" ? "tag:" : name));
                    if (parameter.GetProperty("in").GetString() == "query")
                    {
                        takingParameters.Add((service, path.Name));
                    }
                }
            }
        }

        var rows = Routes().Select(r => (Service: (string)r[0], Path: Route((string)r[1]), Name: (string)r[2])).ToList();
        var undocumented = rows.Where(r => !documented.Contains((r.Service, r.Path, r.Name.StartsWith("tag:", StringComparison.Ordinal) ? "tag:" : r.Name))).ToList();
        Assert.True(undocumented.Count == 0, "parameters no route documents: " + string.Join(", ", undocumented));
        var uncovered = takingParameters.Where(t => !rows.Any(r => r.Service == t.Service && r.Path == t.Path)).ToList();
        Assert.True(uncovered.Count == 0, "GET routes with query parameters missing from the table: " + string.Join(", ", uncovered));
    }

    /// <summary>
    /// Every route that takes an id, called by B with A's real ids (path and query): <c>{ds}</c> A's data source,
    /// <c>{member}</c>/<c>{admin}</c> its users, <c>{client}</c> its service client, <c>{rule}</c> its owner rule,
    /// <c>{resource}</c> one of its discovered and billed resources, <c>{employee}</c>/<c>{employeeId}</c> an owner of
    /// them, <c>{import}</c> its current import. The status is what an unknown id answers too.
    /// </summary>
    public static TheoryData<string, string, string, string?, int> ForeignIds() => new()
    {
        { "DataSource", "GET", "/api/v1/data-sources/{ds}", null, 404 },
        { "DataSource", "PATCH", "/api/v1/data-sources/{ds}", """{"name":"taken over"}""", 404 },
        { "DataSource", "DELETE", "/api/v1/data-sources/{ds}", null, 404 },
        { "DataSource", "POST", "/api/v1/data-sources/{ds}/validate", null, 404 },
        { "DataSource", "POST", "/api/v1/data-sources/{ds}/poll", null, 404 },
        { "DataSource", "GET", "/api/v1/data-sources/{ds}/status", null, 404 },
        { "DataSource", "GET", "/api/v1/users/{admin}", null, 404 },
        { "DataSource", "GET", "/api/v1/users/{member}", null, 404 },
        { "DataSource", "PATCH", "/api/v1/users/{member}", """{"role":"admin"}""", 404 },
        { "DataSource", "POST", "/api/v1/users/{member}/disable", null, 404 },
        { "DataSource", "POST", "/api/v1/users/{member}/enable", null, 404 },
        { "DataSource", "DELETE", "/api/v1/users/{member}", null, 404 },
        { "DataSource", "GET", "/api/v1/service-clients/{client}", null, 404 },
        { "DataSource", "POST", "/api/v1/service-clients/{client}/secrets", "{}", 404 },
        { "DataSource", "DELETE", "/api/v1/service-clients/{client}", null, 404 },
        { "ResourceDiscovery", "GET", "/api/v1/owner-rules/{rule}", null, 404 },
        { "ResourceDiscovery", "PUT", "/api/v1/owner-rules/{rule}", """{"match":"region","value":"us-east-1","ownerEmail":"thief@example.com"}""", 404 },
        { "ResourceDiscovery", "DELETE", "/api/v1/owner-rules/{rule}", null, 404 },
        { "Query", "GET", "/api/v1/resources/{resource}?from={from}&to={to}", null, 404 },
        { "Query", "GET", "/api/v1/employees/{employee}/resources?from={from}&to={to}", null, 404 },
        { "Query", "GET", "/api/v1/employees/{employeeId}/resources?from={from}&to={to}", null, 404 },

        // Filters by id: a data source id is a 404 (as an unknown one); other ids an empty answer, as for ids that do not exist.
        { "Query", "GET", "/api/v1/costs?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/costs?from={from}&to={to}&owner={employee}", null, 200 },
        { "Query", "GET", "/api/v1/costs?from={from}&to={to}&resource={resource}", null, 200 },
        { "Query", "GET", "/api/v1/costs/export?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/costs/tags?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/costs/dimensions/resource/values?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "POST", "/api/v1/costs/query", """{"from":"{from}","to":"{to}","dataSourceId":"{ds}","groupBy":["resource"]}""", 404 },
        { "Query", "POST", "/api/v1/costs/forecast", """{"dataSourceId":"{ds}"}""", 404 },
        { "Query", "GET", "/api/v1/resources?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/resources?from={from}&to={to}&owner={employeeId}", null, 200 },
        { "Query", "GET", "/api/v1/resources/coverage?from={from}&to={to}&dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/findings?dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/imports?dataSourceId={ds}", null, 404 },
        { "Query", "GET", "/api/v1/imports/in-progress?dataSourceId={ds}", null, 404 },

        // CurParser's rollups are no tenant's, whatever the import.
        { "CurParser", "GET", "/internal/v1/imports/{import}/daily-costs", null, 403 },
    };

    [Theory]
    [MemberData(nameof(ForeignIds))]
    public async Task ForeignId_WhenAnotherOrganizationUsesIt_AnswersAsForAnUnknownIdAndRevealsNothing(string service, string method, string route, string? body, int status)
    {
        using var attacker = stack.B.Client(stack.Stack[service]);
        var (foreign, unknown) = (WithIds(route, stack.A), WithIds(route, Unknown));
        var (foreignBody, unknownBody) = (body is null ? null : WithIds(body, stack.A), body is null ? null : WithIds(body, Unknown));
        var (foreignStatus, foreignAnswer) = await SendAsync(attacker, method, foreign, foreignBody);
        var (unknownStatus, unknownAnswer) = await SendAsync(attacker, method, unknown, unknownBody);
        var what = $"B's {service} {method} {foreign} answered {foreignStatus}: {foreignAnswer}";

        Assert.True(foreignStatus == status, what);
        Assert.True(unknownStatus == status, $"{service} {method} {unknown} (unknown id) answered {unknownStatus}: {unknownAnswer}");
        Assert.Equal(Anonymized(unknownAnswer, Unknown), Anonymized(foreignAnswer, stack.A));
        AssertNothingOf(stack.A, Anonymized(foreignAnswer, stack.A), what);

        // A's record is untouched: A still reads it.
        if (method != "GET" && status == 404 && service != "Query")
        {
            using var owner = stack.A.Client(stack.Stack[service]);
            var record = foreign.Split('/').Take(5).Aggregate((a, b) => a + "/" + b);
            using var check = await owner.GetAsync(record);
            Assert.True(check.StatusCode == HttpStatusCode.OK, $"A's {record} answered {(int)check.StatusCode} after {what}");
        }
    }

    [Fact]
    public async Task ForeignRecords_AfterTheAttacks_StayAsTheirOrganizationMadeThem()
    {
        using var ds = stack.A.Client(stack.DataSource);
        using var member = JsonDocument.Parse(await ds.GetStringAsync($"/api/v1/users/{stack.A.MemberUserId}"));
        Assert.Equal("member", member.RootElement.GetProperty("role").GetString());
        using var dataSource = JsonDocument.Parse(await ds.GetStringAsync($"/api/v1/data-sources/{stack.A.DataSourceId}"));
        Assert.Equal("Victim payer", dataSource.RootElement.GetProperty("name").GetString());
        using var users = await ds.GetAsync("/api/v1/users");
        var usersBody = await users.Content.ReadAsStringAsync();
        Assert.Contains(stack.A.MemberEmail, usersBody, StringComparison.Ordinal);
        AssertNothingOf(stack.B, usersBody, "A's user list");
        using var attacker = stack.B.Client(stack.DataSource);
        AssertNothingOf(stack.A, await attacker.GetStringAsync("/api/v1/users"), "B's user list");
        AssertNothingOf(stack.A, await attacker.GetStringAsync("/api/v1/data-sources"), "B's data sources");
        AssertNothingOf(stack.A, await attacker.GetStringAsync("/api/v1/service-clients"), "B's service clients");
        using var bRules = stack.B.Client(stack.Discovery);
        AssertNothingOf(stack.A, await bRules.GetStringAsync("/api/v1/owner-rules"), "B's owner rules");
        using var bQuery = stack.B.Client(stack.Query);
        Assert.Equal(0m, await TenantStack.TotalAsync(bQuery, $"/api/v1/costs?from={stack.Delivered.Month.From}&to={stack.Delivered.Month.To}"));
        Assert.Equal(stack.Delivered.Month.Total, await TenantStack.TotalAsync(stack.A.Client(stack.Query), $"/api/v1/costs?from={stack.Delivered.Month.From}&to={stack.Delivered.Month.To}"));
    }

    [Fact]
    public async Task CurParserRollups_WhenCalledByAnyoneButQuerysIdentity_AreRefusedAndQuerysHostileParametersAnswer400()
    {
        var rollups = $"/internal/v1/imports/{stack.A.ImportId}/daily-costs";
        using var http = stack.CurParser.CreateClient();
        var admin = await stack.ServiceTokenAsync(ServiceIdentityAdmin, TestEnvironment.ServiceSecret(ServiceIdentityAdmin), "imports:reimport");
        var tenantClient = await stack.ServiceTokenAsync(ClientIdOf(stack.A), stack.A.ServiceClientSecret, "costs:read");
        Assert.NotNull(admin);
        Assert.NotNull(tenantClient);
        Assert.Null(await stack.ServiceTokenAsync(ClientIdOf(stack.A), stack.A.ServiceClientSecret, "import-rollups:read"));
        Assert.Null(await stack.ServiceTokenAsync(ServiceIdentityAdmin, TestEnvironment.ServiceSecret(ServiceIdentityAdmin), "import-rollups:read"));
        var refused = new (string Who, string? Token, HttpStatusCode Status)[]
        {
            ("no token", null, HttpStatusCode.Unauthorized),
            ("A's admin", stack.A.Token, HttpStatusCode.Forbidden),
            ("B's admin", stack.B.Token, HttpStatusCode.Forbidden),
            ("A's service client", tenantClient, HttpStatusCode.Forbidden),
            ("the operators' admin identity", admin, HttpStatusCode.Forbidden),
            ("a token forged with the former shared key", ApiHarness.ForgedHs256Token(stack.A.OrganizationId), HttpStatusCode.Unauthorized),
            ("an unsigned token", ApiHarness.UnsignedToken(stack.A.OrganizationId), HttpStatusCode.Unauthorized),
        };
        foreach (var (who, token, status) in refused)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, rollups);
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{who}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("unblended", body, StringComparison.Ordinal);
        }

        var query = await stack.ServiceTokenAsync(ServiceIdentityQuery, TestEnvironment.ServiceSecret(ServiceIdentityQuery), "import-rollups:read");
        using var asQuery = stack.CurParser.CreateClient();
        asQuery.DefaultRequestHeaders.Authorization = new("Bearer", query);

        // Query's identity reads the rollup: the month's lines, summing to what the CUR bills.
        var lines = (await asQuery.GetStringAsync(rollups)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(stack.Delivered.Month.Total, lines.Sum(l => JsonDocument.Parse(l).RootElement.GetProperty("unblended").GetDecimal()));

        var before = await stack.CountRowsAsync(WatchedTables);
        var hourly = $"/internal/v1/imports/{stack.A.ImportId}/hourly-costs";
        foreach (var payload in SqlPayloads.Append("2025-02-30").Append("2025-06-01T00:00:00Z").Append("-1").Append(new string('9', 5000)))
        {
            using var response = await asQuery.GetAsync($"{hourly}?from={Uri.EscapeDataString(payload)}");
            AssertProblemNames(response, await response.Content.ReadAsStringAsync(), "from", HttpStatusCode.BadRequest);
        }

        (string Url, string Parameter)[] malformed =
        [
            ($"{hourly}?from=2025-06-01&from=2025-06-02", "from"),
            ($"{hourly}?fromDay=2025-06-01", "fromDay"),
            ($"{rollups}?from=2025-06-01", "from"),
            ($"{rollups}?importId={Uri.EscapeDataString(SqlPayloads[1])}", "importId"),
        ];
        foreach (var (url, parameter) in malformed)
        {
            using var response = await asQuery.GetAsync(url);
            AssertProblemNames(response, await response.Content.ReadAsStringAsync(), parameter, HttpStatusCode.BadRequest);
        }

        using (var unknown = await asQuery.GetAsync($"/internal/v1/imports/{Guid.NewGuid()}/daily-costs"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("Unknown import", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Not an import id: no route matches (the fallback policy refuses a service identity any other route).
        foreach (var id in new[] { Uri.EscapeDataString(SqlPayloads[0]), "..%2F..%2Fhealth%2Flive" })
        {
            using var response = await asQuery.GetAsync($"/internal/v1/imports/{id}/daily-costs");
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{id}: {(int)response.StatusCode}");
        }

        Assert.Equal(before, await stack.CountRowsAsync(WatchedTables));
    }

    [Fact]
    public async Task OwnerRules_WhenPatternsAreSqlUnicodeOrRegexBombs_AreStoredVerbatimAsPlainTextAndChangeNothingElse()
    {
        using var rules = stack.A.Client(stack.Discovery);
        var before = await stack.CountRowsAsync(WatchedTables);
        (string Match, string? Key, string? Value)[] patterns =
        [
            ("tagEquals", "team'; drop table discovery.owner_rules; --", SqlPayloads[2]),
            ("namePrefix", null, "(a+)+$" + new string('a', 200)),
            ("namePrefix", null, "^(([a-z])+.)+[A-Z]([a-z])+$"),
            ("tagEquals", "チーム\u202E\u200B", "😀\u0301web"),
            ("tagExists", new string('k', 128), null),
            ("region", null, SqlPayloads[4]),
        ];
        foreach (var (match, key, value) in patterns)
        {
            using var created = await rules.PostAsync("/api/v1/owner-rules", Json(new { match, key, value, ownerEmail = "o'brien@example.com" }));
            var body = await created.Content.ReadAsStringAsync();
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{match} {key} {value}: {(int)created.StatusCode} {body}");
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
            using var read = JsonDocument.Parse(await rules.GetStringAsync($"/api/v1/owner-rules/{id}"));
            Assert.Equal(key, read.RootElement.GetProperty("key").GetString());
            Assert.Equal(value, read.RootElement.GetProperty("value").GetString());
            using var deleted = await rules.DeleteAsync($"/api/v1/owner-rules/{id}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // Discovery still runs over the rules and A's owner keeps what it owns.
        using var query = stack.A.Client(stack.Query);
        using var employee = await query.GetAsync($"/api/v1/employees/{Uri.EscapeDataString(stack.A.EmployeeEmail)}/resources?from={stack.Delivered.Month.From}&to={stack.Delivered.Month.To}");
        Assert.Equal(HttpStatusCode.OK, employee.StatusCode);
        Assert.Equal(before, await stack.CountRowsAsync(WatchedTables));
    }

    public static TheoryData<string, string> BadOwnerRules() => new()
    {
        { """{"match":"tagEquals","key":"te\u0000am","value":"web","ownerEmail":"ana@example.com"}""", "key" },
        { """{"match":"tagEquals","key":"team","value":"w\u0000eb","ownerEmail":"ana@example.com"}""", "value" },
        { $$"""{"match":"tagEquals","key":"{{new string('k', 129)}}","value":"web","ownerEmail":"ana@example.com"}""", "key" },
        { $$"""{"match":"tagEquals","key":"team","value":"{{new string('v', 257)}}","ownerEmail":"ana@example.com"}""", "value" },
        { $$"""{"match":"region","value":"us-east-1","ownerEmail":"{{new string('a', 300)}}@example.com"}""", "ownerEmail" },
        { """{"match":"region","value":"us-east-1","ownerEmail":"'; drop table discovery.owner_rules; --"}""", "ownerEmail" },
        { """{"match":"regex","value":"(a+)+$","ownerEmail":"ana@example.com"}""", "match" },
        { """{"match":"region","value":"us-east-1","ownerEmail":"ana@example.com","position":-1}""", "position" },
        { """{"match":"region","value":"us-east-1","ownerEmail":"ana@example.com","position":2147483648}""", "position" },
        { """{"match":"region","value":"us-east-1","ownerEmail":"ana@example.com","position":"first"}""", "position" },
        { """{"match":"region","value":"us-east-1","ownerEmail":"ana@example.com","priority":1}""", "priority" },
    };

    [Theory]
    [MemberData(nameof(BadOwnerRules))]
    public async Task OwnerRule_WhenAFieldIsHostile_AnswersAProblemNamingTheField(string body, string field)
    {
        using var rules = stack.A.Client(stack.Discovery);
        var before = await stack.CountRowsAsync(["discovery.owner_rules"]);
        using var response = await rules.PostAsync("/api/v1/owner-rules", new StringContent(body, Encoding.UTF8, "application/json"));
        AssertProblemNames(response, await response.Content.ReadAsStringAsync(), field, HttpStatusCode.BadRequest);
        Assert.Equal(before, await stack.CountRowsAsync(["discovery.owner_rules"]));
    }

    [Fact]
    public async Task OwnerRules_WhenBReordersOrOwnsWithAsIds_ChangeNothingOfA()
    {
        using var rules = stack.B.Client(stack.Discovery);
        using var reorder = await rules.PutAsync("/api/v1/owner-rules/order", Json(new { ruleIds = new[] { stack.A.OwnerRuleId, stack.B.OwnerRuleId } }));
        AssertProblemNames(reorder, await reorder.Content.ReadAsStringAsync(), "ruleIds", HttpStatusCode.BadRequest);
        using var many = await rules.PutAsync("/api/v1/owner-rules/order", Json(new { ruleIds = Enumerable.Range(0, 20_000).Select(_ => Guid.NewGuid()) }));
        Assert.True((int)many.StatusCode is 400 or 413, $"{(int)many.StatusCode}");

        // B names A's employee as the owner of B's resources: an email is only a label inside B.
        using var created = await rules.PostAsync("/api/v1/owner-rules", Json(new { match = "region", value = "us-east-1", ownerEmail = stack.A.EmployeeEmail }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var bQuery = stack.B.Client(stack.Query);
        var period = $"from={stack.Delivered.Month.From}&to={stack.Delivered.Month.To}";
        using var bView = await bQuery.GetAsync($"/api/v1/employees/{Uri.EscapeDataString(stack.A.EmployeeEmail)}/resources?{period}");
        Assert.Equal(HttpStatusCode.NotFound, bView.StatusCode);
        AssertNothingOf(stack.A, (await bView.Content.ReadAsStringAsync()).Replace(stack.A.EmployeeEmail, "", StringComparison.OrdinalIgnoreCase), "B's view of A's employee");
        using var aRules = stack.A.Client(stack.Discovery);
        using var aRule = JsonDocument.Parse(await aRules.GetStringAsync($"/api/v1/owner-rules/{stack.A.OwnerRuleId}"));
        Assert.Equal(0, aRule.RootElement.GetProperty("position").GetInt32());

        // B's lists hold nothing of A in the other tests.
        using var removed = await rules.DeleteAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    /// <summary>Malformed requests of every kind: each a 4xx problem that names what is wrong.</summary>
    public static TheoryData<string, string, string, string?, string?, string, int> Malformed() => new()
    {
        // Dates
        { "Query", "GET", "/api/v1/costs?from=2025-02-30", null, null, "from", 400 },
        { "Query", "GET", "/api/v1/costs?from=2025-06-01&to=2025-13-01", null, null, "to", 400 },
        { "Query", "GET", "/api/v1/costs?from=2025-06-01T00:00:00Z", null, null, "from", 400 },
        { "Query", "GET", "/api/v1/costs?from=2026-01-01&to=2020-01-01", null, null, "from", 400 },
        { "Query", "GET", "/api/v1/costs?from=0001-01-01&to=9999-12-31", null, null, "to", 400 },
        { "Query", "GET", "/api/v1/resources?from=%2B99999-01-01", null, null, "from", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"from":"2025-02-30","to":"2025-03-01"}""", "from", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"window":"'; drop table query.resources; --"}""", "window", 400 },

        // Page sizes and numbers
        { "Query", "GET", "/api/v1/costs?limit=0", null, null, "limit", 400 },
        { "Query", "GET", "/api/v1/costs?limit=-1", null, null, "limit", 400 },
        { "Query", "GET", "/api/v1/resources?limit=1000000000", null, null, "limit", 400 },
        { "Query", "GET", "/api/v1/findings?limit=2147483648", null, null, "limit", 400 },
        { "Query", "GET", "/api/v1/imports?limit=99999999999999999999999999", null, null, "limit", 400 },
        { "Query", "GET", "/api/v1/costs/tags?limit=1e3", null, null, "limit", 400 },
        { "DataSource", "GET", "/api/v1/users?limit=100000000", null, null, "limit", 400 },
        { "ResourceDiscovery", "GET", "/api/v1/owner-rules?limit=-5", null, null, "limit", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"limit":-1}""", "limit", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"limit":2147483648}""", "limit", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"limit":100000000}""", "limit", 400 },
        { "DataSource", "POST", "/api/v1/service-clients/{client}/secrets", "application/json", """{"overlapHours":-1}""", "overlapHours", 400 },
        { "DataSource", "POST", "/api/v1/service-clients/{client}/secrets", "application/json", """{"overlapHours":2147483648}""", "overlapHours", 400 },

        // Duplicated query parameters
        { "Query", "GET", "/api/v1/costs?from=2025-06-01&from=2025-07-01", null, null, "from", 400 },
        { "Query", "GET", "/api/v1/costs?metric=unblended&metric=amortized", null, null, "metric", 400 },
        { "Query", "GET", "/api/v1/resources?dataSourceId={ds}&dataSourceId={ds}", null, null, "dataSourceId", 400 },
        { "Query", "GET", "/api/v1/findings?limit=1&limit=2", null, null, "limit", 400 },
        { "DataSource", "GET", "/api/v1/data-sources?limit=1&limit=2", null, null, "limit", 400 },
        { "DataSource", "GET", "/api/v1/aws/setup?bucket=acme-cur&bucket=other-cur", null, null, "bucket", 400 },
        { "ResourceDiscovery", "GET", "/api/v1/owner-rules?cursor=a&cursor=b", null, null, "cursor", 400 },

        // Unknown parameters and fields
        { "Query", "GET", "/api/v1/costs?services=AmazonEC2", null, null, "services", 400 },
        { "Query", "GET", "/api/v1/resources?tags=team", null, null, "tags", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"form":"2025-06-01"}""", "form", 400 },
        { "Query", "POST", "/api/v1/costs/query", "application/json", """{"filter":{"dimension":"service","in":["AmazonEC2"],"like":"%"}}""", "filter.like", 400 },

        // Wrong content types
        { "Query", "POST", "/api/v1/costs/query", "text/plain", """{"from":"2025-06-01"}""", "Content-Type", 415 },
        { "Query", "POST", "/api/v1/costs/query", "application/x-www-form-urlencoded", "from=2025-06-01", "Content-Type", 415 },
        { "ResourceDiscovery", "POST", "/api/v1/owner-rules", "text/xml", "<rule/>", "Content-Type", 415 },
        { "DataSource", "POST", "/api/v1/data-sources", "multipart/form-data; boundary=x", "--x--", "Content-Type", 415 },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Request_WhenMalformed_AnswersAProblemNamingWhatIsWrong(string service, string method, string route, string? contentType, string? body, string parameter, int status)
    {
        using var http = stack.A.Client(stack.Stack[service]);
        using var request = new HttpRequestMessage(new HttpMethod(method), WithIds(route, stack.A));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType!);
        }

        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        if (status == 415)
        {
            Assert.True((int)response.StatusCode == 415, $"{method} {route} as {contentType} answered {(int)response.StatusCode}: {answer}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Content-Type", answer, StringComparison.OrdinalIgnoreCase);
            return;
        }

        AssertProblemNames(response, answer, parameter, (HttpStatusCode)status);
    }

    [Theory]
    [InlineData("DataSource", "/api/v1/auth/register")]
    [InlineData("DataSource", "/api/v1/auth/token")]
    [InlineData("DataSource", "/api/v1/data-sources")]
    [InlineData("ResourceDiscovery", "/api/v1/owner-rules")]
    [InlineData("Query", "/api/v1/costs/query")]
    [InlineData("Query", "/api/v1/costs/forecast")]
    public async Task Post_WhenTheJsonIsNestedThousandsDeepOrOversized_AnswersAProblemAndTheServiceStaysUp(string service, string path)
    {
        using var http = stack.A.Client(stack.Stack[service]);
        var deep = "{\"filter\":" + string.Concat(Enumerable.Repeat("{\"not\":", 10_000)) + "{}" + new string('}', 10_001);
        using var nested = await http.PostAsync(path, new StringContent(deep, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, nested.StatusCode);
        Assert.Equal("application/problem+json", nested.Content.Headers.ContentType?.MediaType);

        var huge = "{\"name\":\"" + new string('x', 8 * 1024 * 1024) + "\"}";
        try
        {
            using var oversized = await http.PostAsync(path, new StringContent(huge, Encoding.UTF8, "application/json"));
            Assert.True(oversized.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"answered {(int)oversized.StatusCode}");
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException)
        {
            // Kestrel answers 413 and closes the connection while the client is still sending.
        }

        using var anonymous = stack.Stack[service].CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task CostFilter_WhenNestedWithinTheJsonLimit_AnswersWithoutFailing()
    {
        // 30 levels of not (the JSON depth limit is 32): the filter's SQL is built and run, not a stack overflow or a 500.
        using var http = stack.A.Client(stack.Query);
        var filter = string.Concat(Enumerable.Repeat("{\"not\":", 29)) + "{\"dimension\":\"service\",\"in\":[\"AmazonEC2\"]}" + new string('}', 29);
        var body = $$"""{"from":"{{stack.Delivered.Month.From}}","to":"{{stack.Delivered.Month.To}}","filter":{{filter}}}""";
        using var response = await http.PostAsync("/api/v1/costs/query", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is 200 or 400, $"{(int)response.StatusCode}: {answer}");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // An odd number of nots: everything but EC2.
            using var json = JsonDocument.Parse(answer);
            Assert.Equal(stack.Delivered.Month.ByService("AmazonS3"), json.RootElement.GetProperty("totals")[0].GetProperty("amounts")[0].GetDecimal());
        }
    }

    [Fact]
    public async Task EveryRoute_WhenCalledWithoutAValidToken_AnswersUnauthorizedExceptTheAnonymousOnes()
    {
        string?[] badTokens =
        [
            null,
            "not-a-jwt",
            ApiHarness.ForgedHs256Token(stack.A.OrganizationId, signingKey: "a-forged-signing-key-that-is-long-enough-0123456789"),
            ApiHarness.ForgedHs256Token(stack.A.OrganizationId),
            TestIssuer.Shared.Token(stack.A.OrganizationId),
            ApiHarness.UnsignedToken(stack.A.OrganizationId),
            ApiHarness.ForgedHs256Token(stack.A.OrganizationId, expires: DateTime.UtcNow.AddHours(-2)),
        ];
        string[] anonymous =
        [
            "/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/invitations/accept", "/connect/token", "/connect/revoke",
            "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm", "/api/v1/auth/email-verification", "/api/v1/auth/email-verification/confirm",
        ];
        string[] open = ["/.well-known/openid-configuration", "/.well-known/jwks.json"];
        var routes = new List<(string Service, HttpMethod Method, string Path)>
        {
            ("CurParser", HttpMethod.Get, "/internal/v1/imports/{importId}/daily-costs"),
            ("CurParser", HttpMethod.Get, "/internal/v1/imports/{importId}/hourly-costs"),
        };
        foreach (var (service, document) in new[] { ("Query", "query.json"), ("DataSource", "data-source.json"), ("ResourceDiscovery", "resource-discovery.json") })
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "openapi", document)));
            routes.AddRange(doc.RootElement.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
                .Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(o => (service, new HttpMethod(o.Name.ToUpperInvariant()), path.Name))));
        }

        foreach (var (service, method, path) in routes)
        {
            foreach (var token in badTokens)
            {
                using var http = stack.Stack[service].CreateClient();
                using var request = new HttpRequestMessage(method, System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", stack.A.DataSourceId.ToString()));
                if (token is not null)
                {
                    request.Headers.Authorization = new("Bearer", token);
                }

                if (method != HttpMethod.Get && method != HttpMethod.Delete)
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request);
                var expected = open.Contains(path) ? [HttpStatusCode.OK]
                    : anonymous.Contains(path) ? new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.TooManyRequests }
                    : [HttpStatusCode.Unauthorized];
                Assert.True(expected.Contains(response.StatusCode), $"{service} {method} {path} (token {token?[..Math.Min(20, token.Length)] ?? "none"}) answered {(int)response.StatusCode}");
            }
        }

        Assert.True(routes.Count >= 40, $"only {routes.Count} routes");
    }

    [Theory]
    [InlineData("DataSource", "/api/v1/data-sources/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("DataSource", "/api/v1/data-sources/../../health/live")]
    [InlineData("DataSource", "/api/v1/data-sources/%00/status")]
    [InlineData("Query", "/api/v1/resources/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("Query", "/api/v1/resources/%2e%2e/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("Query", "/api/v1/employees/..%2F..%2Fetc%2Fpasswd/resources")]
    [InlineData("Query", "/api/v1/costs?groupBy=tag:%00")]
    [InlineData("ResourceDiscovery", "/api/v1/owner-rules/..%2F..%2Fetc%2Fpasswd")]
    public async Task Get_WhenThePathOrQueryIsATraversalOrHoldsNul_AnswersNotFoundOrBadRequestWithoutLeaking(string service, string path)
    {
        using var http = stack.A.Client(stack.Stack[service]);
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path} answered {(int)response.StatusCode}: {body}");
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Healthy", body, StringComparison.Ordinal);
    }

    private const string ServiceIdentityQuery = "query";

    private const string ServiceIdentityAdmin = "admin";

    /// <summary>Ids that exist nowhere, in the shape of the real ones.</summary>
    private static readonly StackTenant Unknown = new(Guid.NewGuid(), Guid.NewGuid(), "nobody@example.com", "", "")
    {
        DataSourceId = Guid.NewGuid(), ImportId = Guid.NewGuid(), ResourceIds = ["i-0123456789abcdef0"], EmployeeEmail = "nobody-owner@example.com",
        EmployeeId = Guid.NewGuid(), OwnerRuleId = Guid.NewGuid(), ServiceClientId = Guid.NewGuid(), MemberUserId = Guid.NewGuid(),
    };

    private string WithIds(string template, StackTenant tenant) => template
        .Replace("{ds}", tenant.DataSourceId.ToString(), StringComparison.Ordinal)
        .Replace("{admin}", tenant.AdminUserId.ToString(), StringComparison.Ordinal)
        .Replace("{member}", tenant.MemberUserId.ToString(), StringComparison.Ordinal)
        .Replace("{client}", tenant.ServiceClientId.ToString(), StringComparison.Ordinal)
        .Replace("{rule}", tenant.OwnerRuleId.ToString(), StringComparison.Ordinal)
        .Replace("{import}", tenant.ImportId.ToString(), StringComparison.Ordinal)
        .Replace("{resource}", Uri.EscapeDataString(tenant.ResourceIds[0]), StringComparison.Ordinal)
        .Replace("{employeeId}", tenant.EmployeeId.ToString(), StringComparison.Ordinal)
        .Replace("{employee}", Uri.EscapeDataString(tenant.EmployeeEmail), StringComparison.Ordinal)
        .Replace("{from}", stack.Delivered.Month.From, StringComparison.Ordinal)
        .Replace("{to}", stack.Delivered.Month.To, StringComparison.Ordinal);

    /// <summary>An answer with the ids the request named replaced, and the per-request parts (trace and correlation ids) dropped.</summary>
    private static string Anonymized(string body, StackTenant tenant)
    {
        foreach (var id in new[]
        {
            tenant.DataSourceId.ToString(), tenant.AdminUserId.ToString(), tenant.MemberUserId.ToString(), tenant.ServiceClientId.ToString(),
            tenant.OwnerRuleId.ToString(), tenant.ImportId.ToString(), tenant.ResourceIds[0], tenant.EmployeeId.ToString(), tenant.EmployeeEmail,
        })
        {
            body = body.Replace(id, "{id}", StringComparison.OrdinalIgnoreCase).Replace(Uri.EscapeDataString(id), "{id}", StringComparison.OrdinalIgnoreCase);
        }

        return System.Text.RegularExpressions.Regex.Replace(body, "\"(traceId|correlationId|requestId)\":\"[^\"]*\"", "\"$1\":\"\"");
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient http, string method, string url, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static string ClientIdOf(StackTenant tenant) => tenant.ServiceClientClientId;

    private string Fill(string route) => route
        .Replace("{from}", stack.Delivered.Month.From, StringComparison.Ordinal)
        .Replace("{to}", stack.Delivered.Month.To, StringComparison.Ordinal)
        .Replace("{employee}", Uri.EscapeDataString(stack.A.EmployeeEmail), StringComparison.Ordinal);

    /// <summary>The OpenAPI path of a table row's URL.</summary>
    private static string Route(string url)
    {
        var path = url.Split('?')[0];
        return path switch
        {
            _ when path.StartsWith("/api/v1/costs/dimensions/", StringComparison.Ordinal) => "/api/v1/costs/dimensions/{dimension}/values",
            _ when path.StartsWith("/api/v1/employees/", StringComparison.Ordinal) => "/api/v1/employees/{id}/resources",
            _ when path.StartsWith("/api/v1/resources/", StringComparison.Ordinal) && path != "/api/v1/resources/coverage" => "/api/v1/resources/{id}",
            _ => path,
        };
    }

    /// <summary>The URL without the query parameter holding <c>{p}</c>.</summary>
    private static string Without(string url)
    {
        var (path, query) = (url.Split('?')[0], url.Split('?')[1]);
        return path + "?" + string.Join('&', query.Split('&').Where(p => !p.Contains("{p}", StringComparison.Ordinal)));
    }

    /// <summary>The URL with the query parameter holding <c>{p}</c> renamed (null for a path parameter).</summary>
    private static (string Url, string Name)? Misspelled(string url, string parameter)
    {
        var query = url.Split('?')[1].Split('&');
        var hostile = query.FirstOrDefault(p => p.Contains("{p}", StringComparison.Ordinal) && p.StartsWith(parameter, StringComparison.Ordinal));
        if (hostile is null)
        {
            return null;
        }

        // tag:KEY is a family: misspell the prefix (tags:KEY); any other name gains a trailing s.
        var name = parameter.StartsWith("tag:", StringComparison.Ordinal) ? "tags:" + hostile[4..hostile.IndexOf('=', StringComparison.Ordinal)] : parameter + "s";
        var renamed = parameter.StartsWith("tag:", StringComparison.Ordinal) ? "tags:" + hostile[4..] : parameter + "s" + hostile[parameter.Length..];
        return (url.Replace(hostile, renamed, StringComparison.Ordinal), name.Replace("{p}", "x", StringComparison.Ordinal));
    }

    /// <summary>An answer with no groups, items or CSV rows (and a zero total).</summary>
    private static bool IsEmpty(string body)
    {
        if (!body.StartsWith('{'))
        {
            // CSV: the header line only.
            return body.Trim().Split('\n').Length == 1;
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("items").GetArrayLength() == 0
            && (!json.RootElement.TryGetProperty("total", out var total) || total.ValueKind != JsonValueKind.Number || total.GetDecimal() == 0m);
    }

    internal static void AssertProblemNames(HttpResponseMessage response, string body, string parameter, HttpStatusCode status)
    {
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}";
        Assert.True(response.StatusCode == status, what);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", what);
        using var json = JsonDocument.Parse(body);
        var named = json.RootElement.TryGetProperty("errors", out var errors)
            && errors.EnumerateObject().Any(e => e.Name.Equals(parameter, StringComparison.OrdinalIgnoreCase)
                || e.Name.StartsWith(parameter, StringComparison.OrdinalIgnoreCase) && parameter.EndsWith(':'));
        named |= json.RootElement.TryGetProperty("title", out var title) && title.GetString()!.Contains($"'{parameter}'", StringComparison.OrdinalIgnoreCase);
        named |= json.RootElement.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains($"'{parameter}'", StringComparison.OrdinalIgnoreCase);
        named |= json.RootElement.TryGetProperty("unknownFields", out var unknown) && unknown.EnumerateArray().Any(u => u.GetString() == parameter);
        Assert.True(named, $"the problem does not name '{parameter}': {what}");
    }

    internal static void AssertNothingOf(StackTenant tenant, string body, string what)
    {
        foreach (var secret in tenant.Secrets())
        {
            Assert.False(body.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{what}\ncontains '{secret}' of organization {tenant.OrganizationId}");
        }
    }
}
