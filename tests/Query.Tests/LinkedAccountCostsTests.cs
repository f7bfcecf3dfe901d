using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

/// <summary>
/// An <c>aws-linked</c> data source has no imports: its costs are its root's rows of its account id, read
/// wherever a data source's costs are (costs, the cost query, values, resources, their daily cost, findings).
/// </summary>
public class LinkedAccountCostsTests
{
    private const string Payer = "111111111111";
    private const string Member = "222222222222";

    private static string ThisMonth(int day) => new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, day).ToString("yyyy-MM-dd");

    [Fact]
    public async Task Costs_OfALinkedDataSource_AreItsAccountsRowsOfTheRootsImportAndPriceItsResources()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var root = Guid.NewGuid();
        var linked = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        await app.PublishAsync(new DataSourceConnected(org, root, $"{root}:connected", Settings("Payer", DataSourceKinds.AwsRoot, null, null), now));
        await app.PublishAsync(new DataSourceConnected(org, linked, $"{linked}:connected", Settings("Production", DataSourceKinds.AwsLinked, root, Member), now));
        var runId = Guid.NewGuid();
        await app.PublishAsync(new ResourcesDiscovered(org, linked, $"{runId}:us-east-1:instance:0", runId, Member, "us-east-1", ResourceKinds.Instance, 0, 1,
            [Discovery.Resource("i-0member", ResourceKinds.Instance, "running", "carol@example.com")], now));
        await app.PublishAsync(new ResourcesDiscovered(org, linked, $"{runId}:us-east-1:volume:0", runId, Member, "us-east-1", ResourceKinds.Volume, 0, 1,
            [Discovery.Resource("vol-0member", ResourceKinds.Volume, "available")], now));
        var imported = await app.ImportAsync(org, root, DateTime.UtcNow.ToString("yyyy-MM"),
        [
            new(ThisMonth(1), "AmazonEC2", 30m, "i-0payer", UsageAccountId: Payer),
            new(ThisMonth(1), "AmazonEC2", 12m, "i-0member", UsageAccountId: Member),
            new(ThisMonth(2), "AmazonEC2", 8m, "i-0member", UsageAccountId: Member),
            new(ThisMonth(2), "AmazonEC2", 3m, "vol-0member", UsageAccountId: Member),
        ]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 2 from query.resources where data_source_id = @linked", new { linked }, "the linked account's resources");
        await app.WaitForAsync("select exists (select 1 from query.data_sources where data_source_id = @linked and account_id = @Member)", new { linked, Member }, "the linked data source");
        using var client = app.ClientFor(org);
        var range = $"from={ThisMonth(1)}&to={ThisMonth(2)}";

        var linkedCosts = await QueryApp.GetJsonAsync(client, $"/api/v1/costs?{range}&groupBy=account&dataSourceId={linked}");
        Assert.Equal(23m, linkedCosts.GetProperty("total").GetDecimal());
        Assert.Equal(Member, Assert.Single(linkedCosts.GetProperty("items").EnumerateArray()).GetProperty("keys").GetProperty("account").GetString());
        Assert.Equal(root, Assert.Single(linkedCosts.GetProperty("sources").EnumerateArray()).GetProperty("dataSourceId").GetGuid());
        Assert.Equal(53m, (await QueryApp.GetJsonAsync(client, $"/api/v1/costs?{range}&dataSourceId={root}")).GetProperty("total").GetDecimal());
        Assert.Equal(53m, (await QueryApp.GetJsonAsync(client, $"/api/v1/costs?{range}")).GetProperty("total").GetDecimal());

        // By owner (discovery's owner of the linked account's instance: the resource join goes through the root's rows), and a dimension's values.
        var byOwner = await QueryApp.GetJsonAsync(client, $"/api/v1/costs?{range}&groupBy=owner&dataSourceId={linked}");
        var owners = byOwner.GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("keys").GetProperty("owner").GetString()!, i => i.GetProperty("amount").GetDecimal());
        Assert.Equal(new Dictionary<string, decimal> { ["carol@example.com"] = 20m, [""] = 3m }, owners);
        var accounts = await QueryApp.GetJsonAsync(client, $"/api/v1/costs/dimensions/account/values?{range}&dataSourceId={linked}");
        Assert.Equal(Member, Assert.Single(accounts.GetProperty("items").EnumerateArray()).GetProperty("value").GetString());

        // Its resources: discovered under its own id, priced by the root's rows; the root's list shows them too.
        var resources = (await QueryApp.GetJsonAsync(client, $"/api/v1/resources?{range}&dataSourceId={linked}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["i-0member", "vol-0member"], resources.Select(r => r.GetProperty("resourceId").GetString()));
        Assert.All(resources, r => Assert.Equal(linked, r.GetProperty("dataSourceId").GetGuid()));
        Assert.All(resources, r => Assert.True(r.GetProperty("discovered").GetBoolean()));
        Assert.Equal(20m, resources[0].GetProperty("cost")[0].GetProperty("amount").GetDecimal());
        var all = (await QueryApp.GetJsonAsync(client, $"/api/v1/resources?{range}&dataSourceId={root}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["i-0payer", "i-0member", "vol-0member"], all.Select(r => r.GetProperty("resourceId").GetString()));
        Assert.Equal(linked, all[1].GetProperty("dataSourceId").GetGuid());
        var detail = await QueryApp.GetJsonAsync(client, $"/api/v1/resources/i-0member?{range}&dataSourceId={linked}");
        Assert.Equal(20m, detail.GetProperty("dailyCost").EnumerateArray().Sum(d => d.GetProperty("amount").GetDecimal()));

        // A finding on the linked account's resource is priced by the root's rows.
        var findings = (await QueryApp.GetJsonAsync(client, $"/api/v1/findings?dataSourceId={linked}")).GetProperty("items").EnumerateArray().ToList();
        var unattached = Assert.Single(findings, f => f.GetProperty("resourceId").GetString() == "vol-0member");
        Assert.Equal(3m, unattached.GetProperty("monthlyCostByCurrency")[0].GetProperty("amount").GetDecimal());

        // Another organization naming the linked data source is told it does not exist, as for an unknown id.
        using var other = app.ClientFor(Guid.NewGuid());
        using var foreign = await other.GetAsync($"/api/v1/costs?{range}&dataSourceId={linked}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, foreign.StatusCode);
    }

    private static DataSourceSettings Settings(string name, string kind, Guid? parent, string? account) => new(
        name, kind, kind == DataSourceKinds.AwsRoot ? "billing" : string.Empty, string.Empty, null, "us-east-1", Payer, Guid.NewGuid(), "admin@example.com", [],
        parent, account);
}
