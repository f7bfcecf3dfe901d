using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

/// <summary>Account names from AWS Organizations (listed by discovery) beside those the CUR carries.</summary>
public class AccountNamesTests
{
    [Fact]
    public async Task Costs_WhenOrganizationsNamesAnAccount_ShowThatNameBeforeTheCursAndKeepTheCursForTheOthers()
    {
        await using var app = await QueryApp.StartAsync();
        var organization = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var import = await app.ImportAsync(organization, dataSource, "2024-03",
            [Line("111111111111", "prod (as billed)", 10m), Line("222222222222", "staging (as billed)", 5m), Line("333333333333", null, 1m)], []);
        await app.WaitForCostsStatusAsync(import.ImportId, "loaded");
        var listedAt = DateTimeOffset.UtcNow;

        await app.PublishAsync(Listed(organization, dataSource, listedAt, ("111111111111", "Production"), ("333333333333", "Sandbox")));
        await app.WaitForAsync("select count(*) = 2 from query.account_names where data_source_id = @dataSource and source = 'organizations'", new { dataSource }, "the names from Organizations");
        // An older listing delivered late (a redelivery) never overwrites a newer one.
        await app.PublishAsync(Listed(organization, dataSource, listedAt.AddHours(-1), ("111111111111", "old name")));
        await app.PublishAsync(Listed(organization, dataSource, listedAt.AddMinutes(1), ("333333333333", "Sandbox renamed")));
        await app.WaitForAsync("select exists (select 1 from query.account_names where name = 'Sandbox renamed' and data_source_id = @dataSource)", new { dataSource }, "the rename");

        using var client = app.ClientFor(organization);
        var costs = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-03-01&to=2024-03-31&groupBy=account");
        var names = costs.GetProperty("items").EnumerateArray().ToDictionary(
            i => i.GetProperty("keys").GetProperty("account").GetString()!,
            i => i.GetProperty("names").TryGetProperty("account", out var name) ? name.GetString() : null);
        Assert.Equal("Production", names["111111111111"]);
        Assert.Equal("staging (as billed)", names["222222222222"]);
        Assert.Equal("Sandbox renamed", names["333333333333"]);
        var values = await QueryApp.GetJsonAsync(client, "/api/v1/costs/dimensions/account/values?from=2024-03-01&to=2024-03-31");
        Assert.Contains(values.GetProperty("items").EnumerateArray(), v => v.GetProperty("value").GetString() == "111111111111" && v.GetProperty("name").GetString() == "Production");

        // Another organization's listing of the same account ids names nothing here.
        await app.PublishAsync(Listed(Guid.NewGuid(), Guid.NewGuid(), listedAt.AddMinutes(2), ("222222222222", "someone else's")));
        await app.WaitForAsync("select exists (select 1 from query.account_names where name = 'someone else''s')", new { }, "the other listing");
        var again = await QueryApp.GetJsonAsync(client, "/api/v1/costs?from=2024-03-01&to=2024-03-31&groupBy=account");
        Assert.DoesNotContain(again.GetProperty("items").EnumerateArray(), i => i.GetProperty("names").TryGetProperty("account", out var n) && n.GetString() == "someone else's");
    }

    [Fact]
    public async Task ResourcesAndFindings_ShowTheAccountsNameBesideItsId_FromOrganizationsElseWhatDiscoverySaw_NeverAnotherTenants()
    {
        await using var app = await QueryApp.StartAsync();
        var organization = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var run = Guid.NewGuid();
        await app.PublishAsync(Discovery.Chunk(organization, dataSource, run, ResourceKinds.Volume,
        [
            Discovery.Resource("vol-0loose", ResourceKinds.Volume, "available"),
            Discovery.Resource("vol-0member", ResourceKinds.Volume, "available", attributes: new() { ["accountName"] = "Seen by discovery" }),
        ]));
        await app.WaitForAsync("select count(*) = 2 from query.resources where data_source_id = @dataSource", new { dataSource }, "the discovered volumes");
        // Another organization names the same account: its name is not this tenant's to see.
        await app.PublishAsync(Listed(Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow, ("123456789012", "someone else's")));
        await app.WaitForAsync("select exists (select 1 from query.account_names where name = 'someone else''s')", new { }, "the other listing");
        using var client = app.ClientFor(organization);

        Assert.Equal(new Dictionary<string, string?> { ["vol-0loose"] = null, ["vol-0member"] = "Seen by discovery" }, await ResourceAccountNamesAsync(client));
        Assert.Equal(new Dictionary<string, string?> { ["vol-0loose"] = null, ["vol-0member"] = "Seen by discovery" }, await FindingAccountNamesAsync(client));

        await app.PublishAsync(Listed(organization, dataSource, DateTimeOffset.UtcNow, ("123456789012", "Payer")));
        await app.WaitForAsync("select exists (select 1 from query.account_names where data_source_id = @dataSource and name = 'Payer')", new { dataSource }, "the name from Organizations");

        Assert.Equal(new Dictionary<string, string?> { ["vol-0loose"] = "Payer", ["vol-0member"] = "Payer" }, await ResourceAccountNamesAsync(client));
        Assert.Equal(new Dictionary<string, string?> { ["vol-0loose"] = "Payer", ["vol-0member"] = "Payer" }, await FindingAccountNamesAsync(client));
    }

    private static async Task<Dictionary<string, string?>> ResourceAccountNamesAsync(HttpClient client) =>
        AccountNames((await QueryApp.GetJsonAsync(client, "/api/v1/resources")).GetProperty("items"), expectedAccount: "123456789012");

    private static async Task<Dictionary<string, string?>> FindingAccountNamesAsync(HttpClient client) =>
        AccountNames((await QueryApp.GetJsonAsync(client, "/api/v1/findings?type=unattached-volume")).GetProperty("items"), expectedAccount: "123456789012");

    private static Dictionary<string, string?> AccountNames(System.Text.Json.JsonElement items, string expectedAccount) =>
        items.EnumerateArray().ToDictionary(
            i => i.GetProperty("resourceId").GetString()!,
            i =>
            {
                Assert.Equal(expectedAccount, i.GetProperty("accountId").GetString());
                return i.GetProperty("accountName").GetString();
            });

    private static OrganizationAccountsListed Listed(Guid organization, Guid dataSource, DateTimeOffset at, params (string Id, string Name)[] accounts)
    {
        var run = Guid.NewGuid();
        return new OrganizationAccountsListed(organization, dataSource, "accounts:" + run, run, [.. accounts.Select(a => new MemberAccount(a.Id, a.Name, "ACTIVE"))], at);
    }

    private static DailyCostLine Line(string account, string? name, decimal cost) => new(
        new DateOnly(2024, 3, 5), account, "AmazonEC2", "Amazon Elastic Compute Cloud", "us-east-1", "BoxUsage:t3.micro", "Usage", "i-0" + account[..4],
        null, "USD", cost, cost, cost, cost, cost, 1m, 1, "Hrs", null, name, cost);
}
