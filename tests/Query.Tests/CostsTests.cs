using System.Net;
using System.Text.Json;

using DigiUsher.Testing;

namespace DigiUsher.Query.Tests;

public class CostsTests
{
    private static readonly Dictionary<string, string> Web = new() { ["team"] = "web" };
    private static readonly Dictionary<string, string> Data = new() { ["team"] = "data" };

    private static List<RollupLine> January() =>
    [
        new("2024-01-01", "AmazonEC2", 10.50m, "i-0aaa", Web),
        new("2024-01-02", "AmazonEC2", 11.25m, "i-0aaa", Web),
        new("2024-01-01", "AmazonS3", 1.10m, "logs-bucket", Data, UsageType: "TimedStorage-ByteHrs"),
        new("2024-01-02", "AmazonS3", 1.20m, "logs-bucket", Data, UsageType: "TimedStorage-ByteHrs"),
        new("2024-01-02", "AmazonEC2", 3.00m, "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0bbb", UsageType: "EBS:SnapshotUsage"),
        new("2024-01-02", "AWSSupportBusiness", 5.00m, LineItemType: "Fee", Region: ""),
    ];

    [Fact]
    public async Task GetCosts_WhenImportPulled_SumsPerServicePerTagAndPerDay()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var imported = await app.ImportAsync(org, Guid.NewGuid(), "2024-01", January());
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);

        var byService = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service");
        Assert.Equal("USD", byService.GetProperty("currency").GetString());
        Assert.Equal(32.05m, byService.GetProperty("total").GetDecimal());
        Assert.Equal(
            [("AmazonEC2", 24.75m), ("AWSSupportBusiness", 5.00m), ("AmazonS3", 2.30m)],
            Groups(byService).Select(g => (g.Keys["service"], g.Amount)).ToList());

        var byTag = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=tag:team");
        Assert.Equal(
            [("web", 21.75m), ("", 8.00m), ("data", 2.30m)],
            Groups(byTag).Select(g => (g.Keys["tag:team"], g.Amount)).ToList());

        var untaggedEc2 = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-01-01&to=2024-01-31&service=AmazonEC2&tag:team=&groupBy=resource");
        var only = Assert.Single(Groups(untaggedEc2));
        Assert.Equal(("snap-0bbb", 3.00m), (only.Keys["resource"], only.Amount));

        var byDay = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=day,service&service=AmazonEC2,AmazonS3");
        Assert.Equal(
            [("2024-01-01", "AmazonEC2", 10.50m), ("2024-01-01", "AmazonS3", 1.10m), ("2024-01-02", "AmazonEC2", 14.25m), ("2024-01-02", "AmazonS3", 1.20m)],
            Groups(byDay).Select(g => (g.Keys["day"], g.Keys["service"], g.Amount)).ToList());

        var firstDay = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-01-01&to=2024-01-01&metric=usage_amount");
        Assert.Equal(48m, firstDay.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task GetCosts_WhenCostsInTwoCurrencies_NeverAddsThem()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var imported = await app.ImportAsync(org, Guid.NewGuid(), "2024-02",
        [
            new("2024-02-01", "AmazonEC2", 10m),
            new("2024-02-01", "AmazonEC2", 7m, Currency: "EUR", UsageAccountId: "210987654321"),
        ]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);

        var costs = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-02-01&to=2024-02-29&groupBy=service");

        Assert.Equal(JsonValueKind.Null, costs.GetProperty("currency").ValueKind);
        Assert.Equal(JsonValueKind.Null, costs.GetProperty("total").ValueKind);
        Assert.Equal([("EUR", 7m), ("USD", 10m)], costs.GetProperty("totals").EnumerateArray()
            .Select(t => (t.GetProperty("currency").GetString()!, t.GetProperty("amount").GetDecimal())).ToList());
        Assert.Equal([("USD", 10m), ("EUR", 7m)], Groups(costs).Select(g => (g.Currency, g.Amount)).ToList());
    }

    [Fact]
    public async Task CostsImported_WhenNewerImportArrives_ReplacesTheWholeMonth()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var first = await app.ImportAsync(org, dataSource, "2024-03", [new("2024-03-01", "AmazonEC2", 10m), new("2024-03-02", "AmazonS3", 2m)]);
        await app.WaitForCostsStatusAsync(first.ImportId, "loaded");

        var second = await app.ImportAsync(org, dataSource, "2024-03", [new("2024-03-01", "AmazonEC2", 12m)], first.ImportedAt.AddHours(8));
        await app.WaitForCostsStatusAsync(second.ImportId, "loaded");

        using var client = app.ClientFor(org);
        var costs = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-03-01&to=2024-03-31&groupBy=service");
        Assert.Equal(12m, costs.GetProperty("total").GetDecimal());
        Assert.Equal([("AmazonEC2", 12m)], Groups(costs).Select(g => (g.Keys["service"], g.Amount)).ToList());
        var imports = await QueryApp.GetJsonAsync(client, "/api/v1/imports");
        var current = Assert.Single(imports.GetProperty("items").EnumerateArray());
        Assert.Equal(second.ImportId, current.GetProperty("importId").GetGuid());
        Assert.Equal("2024-03", current.GetProperty("billingPeriod").GetString());
    }

    [Fact]
    public async Task CostsImported_WhenOlderImportArrivesLate_KeepsTheNewer()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var newer = await app.ImportAsync(org, dataSource, "2024-04", [new("2024-04-01", "AmazonEC2", 20m)], DateTimeOffset.UtcNow);
        await app.WaitForCostsStatusAsync(newer.ImportId, "loaded");

        var older = await app.ImportAsync(org, dataSource, "2024-04", [new("2024-04-01", "AmazonEC2", 5m)], newer.ImportedAt.AddHours(-6));
        await app.PublishAsync(newer); // and a duplicate of the newer one
        var marker = await app.ImportAsync(org, Guid.NewGuid(), "2024-04", [new("2024-04-01", "AmazonRDS", 1m)]);
        await app.WaitForCostsStatusAsync(marker.ImportId, "loaded");

        using var client = app.ClientFor(org);
        var costs = await QueryApp.GetJsonAsync(client, $"/api/v1/costs?from=2024-04-01&to=2024-04-30&dataSourceId={dataSource}");
        Assert.Equal(20m, costs.GetProperty("total").GetDecimal());
        var imports = await QueryApp.GetJsonAsync(client, $"/api/v1/imports?dataSourceId={dataSource}");
        Assert.Equal(newer.ImportId, Assert.Single(imports.GetProperty("items").EnumerateArray()).GetProperty("importId").GetGuid());
        Assert.NotEqual(older.ImportId, newer.ImportId);
    }

    [Fact]
    public async Task CostsImported_WhenPulledSumsDifferFromTotals_KeepsPreviousMonthAndSaysWhy()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var good = await app.ImportAsync(org, dataSource, "2024-05", [new("2024-05-01", "AmazonEC2", 10m)]);
        await app.WaitForCostsStatusAsync(good.ImportId, "loaded");

        List<RollupLine> lines = [new("2024-05-01", "AmazonEC2", 30m)];
        var wrongTotals = RollupLine.Totals(lines).Select(t => t with { Unblended = 31m }).ToList();
        var bad = await app.ImportAsync(org, dataSource, "2024-05", lines, good.ImportedAt.AddHours(1), wrongTotals);
        await app.WaitForCostsStatusAsync(bad.ImportId, "mismatch");

        using var client = app.ClientFor(org);
        var costs = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-05-01&to=2024-05-31");
        Assert.Equal(10m, costs.GetProperty("total").GetDecimal());
        var import = Assert.Single((await QueryApp.GetJsonAsync(client, "/api/v1/imports")).GetProperty("items").EnumerateArray());
        Assert.Equal("mismatch", import.GetProperty("costsStatus").GetString());
        Assert.Contains("unblended 30 != 31", import.GetProperty("costsDetail").GetString());
    }

    [Fact]
    public async Task CostsImported_WhenCurParserSaysGone_MarksSupersededAndKeepsCosts()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var good = await app.ImportAsync(org, dataSource, "2024-06", [new("2024-06-01", "AmazonEC2", 10m)]);
        await app.WaitForCostsStatusAsync(good.ImportId, "loaded");

        var goneId = Guid.NewGuid();
        app.ServeRollup(goneId, [], status: 410);
        await app.PublishAsync(good with { ImportId = goneId, IdempotencyKey = goneId.ToString(), ImportedAt = good.ImportedAt.AddHours(1) });
        await app.WaitForCostsStatusAsync(goneId, "superseded");

        using var client = app.ClientFor(org);
        Assert.Equal(10m, (await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-06-01&to=2024-06-30")).GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task GetCosts_WhenPaged_ReturnsEveryGroupOnceAndRejectsAlteredCursor()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var lines = Enumerable.Range(1, 7).Select(d => new RollupLine($"2024-07-{d:D2}", "AmazonEC2", d)).ToList();
        var imported = await app.ImportAsync(org, Guid.NewGuid(), "2024-07", lines);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);

        var days = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-07-01&to=2024-07-31&groupBy=day&limit=3" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(28m, page.GetProperty("total").GetDecimal());
            days.AddRange(Groups(page).Select(g => g.Keys["day"]));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(lines.Select(l => l.Day), days);

        var first = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-07-01&to=2024-07-31&groupBy=day&limit=3");
        var valid = first.GetProperty("nextCursor").GetString()!;
        var altered = (valid[0] == 'A' ? 'B' : 'A') + valid[1..];
        using var tampered = await client.GetAsync("/api/v1/costs?from=2024-07-01&to=2024-07-31&groupBy=day&limit=3&cursor=" + altered);
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
        using var otherQuery = await client.GetAsync("/api/v1/costs?from=2024-07-01&to=2024-07-31&groupBy=service&limit=3&cursor=" + valid);
        Assert.Equal(HttpStatusCode.BadRequest, otherQuery.StatusCode);
    }

    [Fact]
    public async Task ExportCosts_WhenQueried_StreamsCsvOfTheSameGroups()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var imported = await app.ImportAsync(org, Guid.NewGuid(), "2024-01", January());
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);

        using var response = await client.GetAsync("/api/v1/costs/export?from=2024-01-01&to=2024-01-31&groupBy=service");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["service,currency,unblended", "AmazonEC2,USD,24.75", "AWSSupportBusiness,USD,5.00", "AmazonS3,USD,2.30"], lines);
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "/api/v1/costs?groupBy=colour", "groupBy" },
        { "/api/v1/costs?groupBy=service,region,account,day", "groupBy" },
        { "/api/v1/costs?from=2024-02-01&to=2024-01-01", "from" },
        { "/api/v1/costs?from=2023-01-01&to=2024-02-01", "to" },
        { "/api/v1/costs?from=2024-13-01", "from" },
        { "/api/v1/costs?cursor=not-a-cursor", "cursor" },
        { "/api/v1/costs?metric=cheapest", "metric" },
        { "/api/v1/costs?dataSourceId=42", "dataSourceId" },
        { "/api/v1/costs/export?groupBy=colour", "groupBy" },
        { "/api/v1/resources?metric=cheapest", "metric" },
        { "/api/v1/resources?cursor=abc.def", "cursor" },
        { "/api/v1/findings?type=expensive", "type" },
        { "/api/v1/imports?limit=0", "limit" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Get_WhenQueryIsInvalid_Returns400ProblemNamingTheParameter(string url, string parameter)
    {
        await using var app = await QueryApp.StartAsync();
        using var client = app.ClientFor(Guid.NewGuid());

        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task Get_WhenParametersAreUnknown_Answers400NamingEachInsteadOfAWiderAnswer()
    {
        await using var app = await QueryApp.StartAsync();
        using var client = app.ClientFor(Guid.NewGuid());
        string[] urls =
        [
            "/api/v1/costs?services=AmazonEC2&from=2024-01-01&grupBy=day",
            "/api/v1/costs/export?services=AmazonEC2&grupBy=day",
            "/api/v1/resources?kinds=ec2-instance&grupBy=day",
            "/api/v1/resources/coverage?services=x&grupBy=day",
            "/api/v1/resources/i-0abc?services=x&grupBy=day",
            "/api/v1/findings?types=idle-instance&grupBy=day",
            "/api/v1/imports?services=x&grupBy=day",
            "/api/v1/employees/ana@example.com/resources?services=x&grupBy=day",
        ];
        foreach (var url in urls)
        {
            using var response = await client.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
            var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
            var typo = url.Contains("kinds", StringComparison.Ordinal) ? "kinds" : url.Contains("types", StringComparison.Ordinal) ? "types" : "services";
            Assert.All(new[] { typo, "grupBy" }, name => Assert.True(errors.TryGetProperty(name, out _), $"{url} does not name '{name}': {text}"));
            Assert.Equal(2, errors.EnumerateObject().Count());
        }
    }

    [Fact]
    public async Task GetCosts_WhenTheCallerHoldsTheETag_Answers304UntilAnImportReplacesTheMonth()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSourceId = Guid.NewGuid();
        var first = await app.ImportAsync(org, dataSourceId, "2024-01", January());
        await app.WaitForCostsStatusAsync(first.ImportId, "loaded");
        using var client = app.ClientFor(org);
        const string url = "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service";

        using var answer = await client.GetAsync(url);
        var etag = answer.Headers.ETag;
        Assert.NotNull(etag);
        using var again = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { IfNoneMatch = { etag } } };
        using var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        using var otherQuery = new HttpRequestMessage(HttpMethod.Get, url + "&metric=amortized") { Headers = { IfNoneMatch = { etag } } };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(otherQuery)).StatusCode);

        var second = await app.ImportAsync(org, dataSourceId, "2024-01", [new("2024-01-01", "AmazonEC2", 1m)], DateTimeOffset.UtcNow.AddMinutes(1));
        await app.WaitForCostsStatusAsync(second.ImportId, "loaded");
        using var afterImport = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { IfNoneMatch = { etag } } };
        using var changed = await client.SendAsync(afterImport);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
    }

    [Fact]
    public async Task ListImports_WhenTheCallerHoldsTheETag_Answers304()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        await app.ImportAsync(org, Guid.NewGuid(), "2024-01", January());
        using var client = app.ClientFor(org);

        using var answer = await client.GetAsync("/api/v1/imports");
        Assert.NotNull(answer.Headers.ETag);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/imports") { Headers = { IfNoneMatch = { answer.Headers.ETag! } } };
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Get_WhenTokenIsMissingOrInternal_IsRefused()
    {
        await using var app = await QueryApp.StartAsync();
        using var anonymous = app.AnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/costs")).StatusCode);

        using var internalClient = app.AnonymousClient();
        internalClient.DefaultRequestHeaders.Authorization = new("Bearer", TestIssuer.Shared.ServiceToken("query", [DigiUsher.ServiceDefaults.Security.Scopes.ImportRollupsRead]));
        Assert.Equal(HttpStatusCode.Forbidden, (await internalClient.GetAsync("/api/v1/costs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Get_WhenAServiceClientHasOnlyCostsRead_ReadsCostsButNotOwnersOrOtherRoutes()
    {
        await using var app = await QueryApp.StartAsync();
        using var costsOnly = app.ServiceClientFor(Guid.NewGuid(), DigiUsher.ServiceDefaults.Security.Scopes.CostsRead);
        using var withPeople = app.ServiceClientFor(Guid.NewGuid(), DigiUsher.ServiceDefaults.Security.Scopes.CostsRead, DigiUsher.ServiceDefaults.Security.Scopes.EmployeesRead);

        Assert.Equal(HttpStatusCode.OK, (await costsOnly.GetAsync("/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service")).StatusCode);
        foreach (var url in new[] { "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=owner", "/api/v1/costs?from=2024-01-01&to=2024-01-31&owner=a@example.com",
            "/api/v1/costs/export?from=2024-01-01&to=2024-01-31&groupBy=service,owner", "/api/v1/resources", "/api/v1/findings", "/api/v1/imports", "/api/v1/employees/a@example.com/resources" })
        {
            using var refused = await costsOnly.GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("scope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.TryGetProperty("correlationId", out _), url);
        }

        Assert.Equal(HttpStatusCode.OK, (await withPeople.GetAsync("/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=owner")).StatusCode);
    }

    internal static List<(IReadOnlyDictionary<string, string> Keys, string Currency, decimal Amount)> Groups(JsonElement costs) =>
        costs.GetProperty("items").EnumerateArray()
            .Select(g => ((IReadOnlyDictionary<string, string>)g.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                g.GetProperty("currency").GetString()!, g.GetProperty("amount").GetDecimal()))
            .ToList();
}
