using System.Net;
using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

public class ResourcesTests
{
    private static string ThisMonth(int day) => new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, day).ToString("yyyy-MM-dd");

    private static string Period => DateTime.UtcNow.ToString("yyyy-MM");

    [Fact]
    public async Task ListResources_WhenSomeCostAndSomeAreOnlyDiscovered_ShowsBothSortedByCost()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var runId = Guid.NewGuid();
        await app.PublishAsync(Discovery.Chunk(org, dataSource, runId, ResourceKinds.Instance,
        [
            Discovery.Resource("i-0aaa", ResourceKinds.Instance, "running", "Alice@Example.com", new() { ["team"] = "web" }),
            Discovery.Resource("i-0free", ResourceKinds.Instance, "running", "bob@example.com"),
        ]));
        var imported = await app.ImportAsync(org, dataSource, Period,
        [
            new(ThisMonth(1), "AmazonEC2", 30m, "i-0aaa"),
            new(ThisMonth(2), "AmazonEC2", 12m, "i-0aaa"),
            new(ThisMonth(1), "AmazonEC2", 50m, "i-0unknown"),
        ]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 2 from query.resources", new { }, "resources");
        using var client = app.ClientFor(org);

        var list = await QueryApp.GetJsonAsync(client, "/api/v1/resources");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["i-0unknown", "i-0aaa", "i-0free"], items.Select(i => i.GetProperty("resourceId").GetString()));
        Assert.False(items[0].GetProperty("discovered").GetBoolean());
        Assert.Equal("ec2-instance", items[0].GetProperty("kind").GetString());
        Assert.Equal(42m, items[1].GetProperty("cost")[0].GetProperty("amount").GetDecimal());
        Assert.Equal("Alice@Example.com", items[1].GetProperty("owner").GetProperty("email").GetString());
        Assert.Equal(0, items[2].GetProperty("cost").GetArrayLength());

        var undiscovered = await QueryApp.GetJsonAsync(client, "/api/v1/resources?discovered=false");
        Assert.Equal("i-0unknown", Assert.Single(undiscovered.GetProperty("items").EnumerateArray()).GetProperty("resourceId").GetString());
        var tagged = await QueryApp.GetJsonAsync(client, "/api/v1/resources?tag:team=web");
        Assert.Equal("i-0aaa", Assert.Single(tagged.GetProperty("items").EnumerateArray()).GetProperty("resourceId").GetString());

        var coverage = await QueryApp.GetJsonAsync(client, "/api/v1/resources/coverage");
        var row = Assert.Single(coverage.GetProperty("items").EnumerateArray(), r => r.GetProperty("currency").GetString() == "USD");
        Assert.Equal(1, row.GetProperty("discoveredWithCost").GetInt64());
        Assert.Equal(1, row.GetProperty("undiscoveredWithCost").GetInt64());
        Assert.Equal(50m, row.GetProperty("undiscoveredCost").GetDecimal());
    }

    [Fact]
    public async Task GetResource_WhenDiscoveredAndCosting_ReturnsAttributesOwnerAndDailyCost()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        await app.PublishAsync(Discovery.Chunk(org, dataSource, Guid.NewGuid(), ResourceKinds.Snapshot,
            [Discovery.Resource("snap-0bbb", ResourceKinds.Snapshot, "completed", "carol@example.com", attributes: new() { ["volumeId"] = "vol-0gone" })]));
        var imported = await app.ImportAsync(org, dataSource, Period,
        [
            new(ThisMonth(1), "AmazonEC2", 1.5m, $"arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0bbb", UsageType: "EBS:SnapshotUsage"),
            new(ThisMonth(2), "AmazonEC2", 1.5m, $"arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0bbb", UsageType: "EBS:SnapshotUsage"),
        ]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 1 from query.resources", new { }, "resources");
        using var client = app.ClientFor(org);

        var detail = await QueryApp.GetJsonAsync(client, "/api/v1/resources/snap-0bbb");

        Assert.Equal("carol@example.com", detail.GetProperty("resource").GetProperty("owner").GetProperty("email").GetString());
        Assert.Equal("vol-0gone", detail.GetProperty("attributes").GetProperty("volumeId").GetString());
        Assert.Equal([(ThisMonth(1), 1.5m), (ThisMonth(2), 1.5m)], detail.GetProperty("dailyCost").EnumerateArray()
            .Select(d => (d.GetProperty("day").GetString()!, d.GetProperty("amount").GetDecimal())).ToList());
        var byArn = await QueryApp.GetJsonAsync(client, "/api/v1/resources/" + Uri.EscapeDataString("arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0bbb"));
        Assert.Equal("snap-0bbb", byArn.GetProperty("resource").GetProperty("resourceId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/resources/i-0nothing")).StatusCode);
    }

    [Fact]
    public async Task DiscoveryCompleted_WhenCoveredResourceIsAbsent_MarksItGoneButKeepsSkippedKinds()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var firstRun = Guid.NewGuid();
        var t0 = DateTimeOffset.UtcNow.AddHours(-2);
        await app.PublishAsync(Discovery.Chunk(org, dataSource, firstRun, ResourceKinds.Volume,
            [Discovery.Resource("vol-0keep", ResourceKinds.Volume, "in-use"), Discovery.Resource("vol-0deleted", ResourceKinds.Volume, "available")], t0));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, firstRun, ResourceKinds.Bucket,
            [Discovery.Resource("bucket-a", ResourceKinds.Bucket, region: "us-east-1")], t0));
        await app.WaitForAsync("select count(*) = 3 from query.resources", new { }, "first run");

        var secondRun = Guid.NewGuid();
        var t1 = DateTimeOffset.UtcNow.AddHours(-1);
        await app.PublishAsync(Discovery.Chunk(org, dataSource, secondRun, ResourceKinds.Volume, [Discovery.Resource("vol-0keep", ResourceKinds.Volume, "in-use")], t1.AddSeconds(5)));
        await app.WaitForAsync("select count(*) = 1 from query.resources where run_id = @secondRun", new { secondRun }, "second run chunk");
        await app.PublishAsync(Discovery.Completed(org, dataSource, secondRun, t1, "ebs-volume@us-east-1"));
        await app.WaitForAsync("select count(*) = 1 from query.resources where gone_at is not null", new { }, "gone");

        // A late chunk of the first run does not bring the deleted volume back.
        await app.PublishAsync(Discovery.Chunk(org, dataSource, firstRun, ResourceKinds.Volume, [Discovery.Resource("vol-0deleted", ResourceKinds.Volume, "available")], t0));
        await app.PublishAsync(Discovery.Completed(org, dataSource, secondRun, t1, "ebs-volume@us-east-1"));
        await app.WaitForAsync("select count(*) = 1 from query.discovery_runs", new { }, "run recorded");

        using var client = app.ClientFor(org);
        var ids = (await QueryApp.GetJsonAsync(client, "/api/v1/resources")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("resourceId").GetString()).Order().ToList();
        Assert.Equal(["bucket-a", "vol-0keep"], ids);
    }

    [Fact]
    public async Task EmployeeResources_WhenAskedByEmailOrId_ListsOwnedResourcesAndTheirCost()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        await app.PublishAsync(Discovery.Chunk(org, dataSource, Guid.NewGuid(), ResourceKinds.Instance,
        [
            Discovery.Resource("i-0dan1", ResourceKinds.Instance, "running", "Dan@Example.com"),
            Discovery.Resource("i-0dan2", ResourceKinds.Instance, "stopped", "dan@example.com"),
            Discovery.Resource("i-0eve", ResourceKinds.Instance, "running", "eve@example.com"),
        ]));
        var imported = await app.ImportAsync(org, dataSource, Period,
            [new(ThisMonth(1), "AmazonEC2", 4m, "i-0dan1"), new(ThisMonth(1), "AmazonEC2", 6m, "i-0dan2"), new(ThisMonth(1), "AmazonEC2", 100m, "i-0eve")]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 3 from query.resources", new { }, "resources");
        using var client = app.ClientFor(org);

        var byEmail = await QueryApp.GetJsonAsync(client, "/api/v1/employees/DAN%40example.com/resources");
        Assert.Equal(["i-0dan2", "i-0dan1"], byEmail.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("resourceId").GetString()));
        Assert.Equal(10m, byEmail.GetProperty("totals")[0].GetProperty("amount").GetDecimal());
        var employeeId = byEmail.GetProperty("employeeId").GetGuid();

        var byId = await QueryApp.GetJsonAsync(client, $"/api/v1/employees/{employeeId}/resources");
        Assert.Equal("dan@example.com", byId.GetProperty("email").GetString());
        Assert.Equal(2, byId.GetProperty("items").GetArrayLength());
        var costsByOwner = await QueryApp.GetJsonAsync(client, "/api/v1/costs?groupBy=owner");
        Assert.Equal([("eve@example.com", 100m), ("dan@example.com", 10m)], CostsTests.Groups(costsByOwner).Select(g => (g.Keys["owner"], g.Amount)).ToList());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/employees/nobody%40example.com/resources")).StatusCode);
    }

    [Fact]
    public async Task Queries_WhenAnotherOrganizationAsks_SeeNothingOfTheFirst()
    {
        await using var app = await QueryApp.StartAsync();
        var orgA = Guid.NewGuid();
        var orgB = Guid.NewGuid();
        var dataSourceA = Guid.NewGuid();
        await app.PublishAsync(Discovery.Chunk(orgA, dataSourceA, Guid.NewGuid(), ResourceKinds.Volume,
            [Discovery.Resource("vol-0a", ResourceKinds.Volume, "available", "a@example.com")]));
        var imported = await app.ImportAsync(orgA, dataSourceA, Period, [new(ThisMonth(1), "AmazonEC2", 9m, "vol-0a")]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 1 from query.resources", new { }, "resources");
        using var a = app.ClientFor(orgA);
        using var b = app.ClientFor(orgB);

        Assert.Equal(9m, (await QueryApp.GetJsonAsync(a, "/api/v1/costs")).GetProperty("total").GetDecimal());
        Assert.Single((await QueryApp.GetJsonAsync(a, "/api/v1/findings")).GetProperty("items").EnumerateArray());

        Assert.Equal(0m, (await QueryApp.GetJsonAsync(b, "/api/v1/costs")).GetProperty("total").GetDecimal());
        Assert.Empty((await QueryApp.GetJsonAsync(b, "/api/v1/resources")).GetProperty("items").EnumerateArray());
        Assert.Empty((await QueryApp.GetJsonAsync(b, "/api/v1/findings")).GetProperty("items").EnumerateArray());
        Assert.Empty((await QueryApp.GetJsonAsync(b, "/api/v1/imports")).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/api/v1/resources/vol-0a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync("/api/v1/employees/a%40example.com/resources")).StatusCode);
        using var export = await b.GetAsync("/api/v1/costs/export?groupBy=resource");
        Assert.Equal("resource,currency,unblended", (await export.Content.ReadAsStringAsync()).Trim());

        // A's data source named by B is a 404 naming the parameter on every route that takes one, the same answer as an
        // unknown id; A itself gets its answer. A is known to Query here only by its import and resources (no DataSourceConnected).
        var unknown = Guid.NewGuid();
        foreach (var (method, route, own) in DataSourceRoutes("a%40example.com"))
        {
            using var mine = await SendAsync(a, method, route, dataSourceA);
            Assert.True((int)mine.StatusCode == own, $"A's {method} {route}: {(int)mine.StatusCode} {await mine.Content.ReadAsStringAsync()}");
            var foreign = await ProblemAsync(b, method, route, dataSourceA);
            Assert.Equal((await ProblemAsync(b, method, route, unknown)).Replace(unknown.ToString(), "ID"), foreign.Replace(dataSourceA.ToString(), "ID"));
        }
    }

    [Fact]
    public async Task DataSourceId_WhenRemovedOrAnotherOrganizations_Answers404()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var (kept, removed, foreign) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var settings = new DataSourceSettings("prod", "aws-root", "b", "", null, "us-east-1", null, Guid.NewGuid(), "x@example.com", []);
        await app.PublishAsync(new DataSourceConnected(org, kept, "c1", settings, DateTimeOffset.UtcNow));
        await app.PublishAsync(new DataSourceConnected(org, removed, "c2", settings, DateTimeOffset.UtcNow));
        await app.PublishAsync(new DataSourceConnected(Guid.NewGuid(), foreign, "c3", settings, DateTimeOffset.UtcNow));
        await app.PublishAsync(new DataSourceRemoved(org, removed, "r2", DateTimeOffset.UtcNow.AddSeconds(1)));
        await app.WaitForAsync("select count(*) = 3 from query.data_sources where removed_at is null or data_source_id = @removed", new { removed }, "the data sources");
        await app.WaitForAsync("select exists (select 1 from query.data_sources where data_source_id = @removed and removed_at is not null)", new { removed }, "the removal");
        using var client = app.ClientFor(org);

        Assert.Empty((await QueryApp.GetJsonAsync(client, $"/api/v1/imports?dataSourceId={kept}")).GetProperty("items").EnumerateArray());
        foreach (var id in new[] { removed, foreign })
        {
            using var response = await client.GetAsync($"/api/v1/imports?dataSourceId={id}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    /// <summary>Every Query route that takes a data source id, with the status its own organization gets (the forecast lacks data: 422).</summary>
    private static IEnumerable<(string Method, string Route, int Own)> DataSourceRoutes(string employee) =>
    [
        ("GET", "/api/v1/costs?dataSourceId={ds}", 200),
        ("GET", "/api/v1/costs/export?dataSourceId={ds}", 200),
        ("GET", "/api/v1/costs/dimensions/service/values?dataSourceId={ds}", 200),
        ("GET", "/api/v1/costs/tags?dataSourceId={ds}", 200),
        ("GET", "/api/v1/costs/cost-categories?dataSourceId={ds}", 200),
        ("POST", "/api/v1/costs/query|{\"dataSourceId\":\"{ds}\"}", 200),
        ("POST", "/api/v1/costs/export|{\"dataSourceId\":\"{ds}\"}", 200),
        ("POST", "/api/v1/costs/forecast|{\"dataSourceId\":\"{ds}\"}", 422),
        ("GET", "/api/v1/resources?dataSourceId={ds}", 200),
        ("GET", "/api/v1/resources/coverage?dataSourceId={ds}", 200),
        ("GET", "/api/v1/resources/vol-0a?dataSourceId={ds}", 200),
        ("GET", $"/api/v1/employees/{employee}/resources?dataSourceId={{ds}}", 200),
        ("GET", "/api/v1/findings?dataSourceId={ds}", 200),
        ("GET", "/api/v1/imports?dataSourceId={ds}", 200),
        ("GET", "/api/v1/imports/in-progress?dataSourceId={ds}", 200),
    ];

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string route, Guid dataSourceId)
    {
        var parts = route.Replace("{ds}", dataSourceId.ToString()).Split('|');
        return method == "GET"
            ? client.GetAsync(parts[0])
            : client.PostAsync(parts[0], new StringContent(parts[1], System.Text.Encoding.UTF8, "application/json"));
    }

    /// <summary>The 404 problem (without its trace id), asserting it names the parameter.</summary>
    private static async Task<string> ProblemAsync(HttpClient client, string method, string route, Guid dataSourceId)
    {
        using var response = await SendAsync(client, method, route, dataSourceId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {route}: {(int)response.StatusCode} {text}");
        var problem = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
        Assert.Equal("dataSourceId", (string?)problem["parameter"]);
        Assert.NotNull(problem["errors"]!["dataSourceId"]);
        problem.Remove("traceId");
        problem.Remove("correlationId");
        return problem.ToJsonString();
    }

    [Fact]
    public async Task DataSourceRemoved_WhenReceived_DropsItsCostsAndResources()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        await app.PublishAsync(new DataSourceConnected(org, dataSource, "c1", new DataSourceSettings("prod", "aws-root", "b", "", null, "us-east-1", null, Guid.NewGuid(), "x@example.com", []), DateTimeOffset.UtcNow));
        var imported = await app.ImportAsync(org, dataSource, Period, [new(ThisMonth(1), "AmazonEC2", 9m, "i-0a")]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        using var client = app.ClientFor(org);
        Assert.Equal("prod", Assert.Single((await QueryApp.GetJsonAsync(client, "/api/v1/imports")).GetProperty("items").EnumerateArray()).GetProperty("dataSourceName").GetString());

        await app.PublishAsync(new DataSourceRemoved(org, dataSource, "r1", DateTimeOffset.UtcNow));
        await app.WaitForAsync("select count(*) = 0 from query.imports", new { }, "removal");

        Assert.Equal(0m, (await QueryApp.GetJsonAsync(client, "/api/v1/costs")).GetProperty("total").GetDecimal());
        Assert.Empty((await QueryApp.GetJsonAsync(client, "/api/v1/resources")).GetProperty("items").EnumerateArray());
    }
}
