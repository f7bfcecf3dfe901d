using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>The member accounts of a root data source's AWS Organization, listed by every discovery run (moto implements Organizations).</summary>
public class OrganizationAccountsTests
{
    [Fact]
    public async Task Discovery_WhenTheRootManagesAnOrganization_PublishesEveryAccountWithItsNameAndEachRunRefreshesTheList()
    {
        await using var moto = await TestMoto.StartAsync();
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var production = await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        var staging = await MotoOrganizations.CreateAccountAsync(moto.Url, "staging");
        await using var harness = await DiscoveryHarness.StartAsync(moto);
        var organizationId = Guid.NewGuid();

        var dataSourceId = await harness.ConnectAsync(organizationId, DiscoveryHarness.MotoRoot);
        var first = await harness.CompletedAsync(dataSourceId);
        var sandbox = await MotoOrganizations.CreateAccountAsync(moto.Url, "sandbox");
        await harness.PublishAsync(new DataSourceUpdated(organizationId, dataSourceId, $"updated:{dataSourceId}",
            DiscoveryHarness.Settings("creator@example.com"), CredentialsRotated: false, DateTimeOffset.UtcNow));
        var second = await harness.CompletedAsync(dataSourceId, 2);

        var firstList = await ListOfAsync(harness, first.RunId);
        var secondList = await ListOfAsync(harness, second.RunId);
        Assert.Equal(organizationId, firstList.OrganizationId);
        Assert.Equal(dataSourceId, firstList.DataSourceId);
        Assert.Equal(
            new Dictionary<string, string> { [production] = "production", [staging] = "staging" },
            firstList.Accounts.Where(a => a.AccountId != "123456789012").ToDictionary(a => a.AccountId, a => a.Name));
        Assert.Contains(firstList.Accounts, a => a.AccountId == "123456789012"); // the management account
        Assert.All(firstList.Accounts, a => Assert.Equal("ACTIVE", a.Status));
        Assert.Contains(secondList.Accounts, a => a.AccountId == sandbox && a.Name == "sandbox");
        Assert.DoesNotContain(second.Skipped, s => s.Kind == "organizations");
    }

    [Fact]
    public async Task Discovery_WhenValidationTurnedOrganizationsOff_ListsNoAccountsAndStillDiscovers()
    {
        await using var moto = await TestMoto.StartAsync();
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        await using var harness = await DiscoveryHarness.StartAsync(moto);

        var dataSourceId = await harness.ConnectAsync(Guid.NewGuid(), DiscoveryHarness.MotoRoot, disabled: ["organizations"]);
        var run = await harness.CompletedAsync(dataSourceId);

        Assert.Contains("ec2-instance@us-east-1", run.Covered);
        Assert.Contains(run.Skipped, s => s.Kind == "organizations" && s.Reason.Contains("validation", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Events.AccountLists, l => l.DataSourceId == dataSourceId);
    }

    private static Task<OrganizationAccountsListed> ListOfAsync(DiscoveryHarness harness, Guid runId) =>
        Eventually.Get(
            () => Task.FromResult(harness.Events.AccountLists.FirstOrDefault(l => l.RunId == runId)),
            TimeSpan.FromSeconds(60),
            $"the accounts listed by run {runId}");
}
