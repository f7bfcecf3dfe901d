using DigiUsher.Client.Query;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// The five real services as processes on one database and virtual host, a dedicated moto holding
/// an AWS account and one month of CUR: connect the account through DataSource's API as a customer
/// would, and check what Query answers against what the CUR file and the account hold.
/// </summary>
public class CostsAndResourcesEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task ConnectedAccount_WhenImportedAndDiscovered_AnswersCostsResourcesAndFindings()
    {
        await using var delivered = await DeliveredMonth.StartAsync();
        var (moto, account, month) = (delivered.Moto, delivered.Account, delivered.Month);

        await using var stack = await ServiceStack.StartAsync(moto.Url);
        try
        {
            using var orgA = await stack.RegisterAsync("a");
            await orgA.ConnectPayerAsync(account, "E2E payer");

            var (from, to) = (delivered.From, delivered.To);
            await Eventually.Get(
                async () => (await orgA.Query.GetCostsAsync(from, to)).Total == month.Total ? (object)true : null,
                Patience, $"Query to show the imported month ({month.Total} USD)");

            var byService = await orgA.Query.GetCostsAsync(from, to, groupBy: ["service"]);
            Assert.Equal("USD", byService.Currency);
            Assert.Equal(
                new Dictionary<string, decimal> { ["AmazonEC2"] = month.ByService("AmazonEC2"), ["AmazonS3"] = month.ByService("AmazonS3") },
                Groups(byService, "service"));
            Assert.Equal(
                new Dictionary<string, decimal> { ["web"] = month.ByTeam("web"), ["data"] = month.ByTeam("data"), [""] = month.ByTeam("") },
                Groups(await orgA.Query.GetCostsAsync(from, to, groupBy: ["tag:team"]), "tag:team"));
            var byResource = Groups(await orgA.Query.GetCostsAsync(from, to, groupBy: ["resource"]), "resource");
            foreach (var resource in account.Resources)
            {
                Assert.Equal(month.ByResource(resource.ResourceId), byResource[resource.ResourceId]);
            }

            var web = account.Resources.First(r => r.Kind == "instance");
            await Eventually.True(async () =>
            {
                var discovered = (await orgA.Query.ListResourcesAsync(discovered: true, from: from, to: to, limit: 1000)).Items.Select(i => i.ResourceId).ToHashSet();
                return account.Resources.All(r => discovered.Contains(r.ResourceId));
            }, Patience, "every seeded resource discovered in Query");
            var detail = await orgA.Query.GetResourceAsync(web.ResourceId, from: from, to: to);
            Assert.True(detail.Resource.Discovered);
            Assert.Equal(month.Days, detail.DailyCost.Count);
            Assert.Equal(month.ByResource(web.ResourceId), detail.DailyCost.Sum(d => d.Amount));

            var findings = (await orgA.Query.ListFindingsAsync()).Items.Select(f => (Type: f.Type, Id: f.ResourceId)).ToHashSet();
            var orphanVolume = account.Resources.First(r => r.Kind == "volume" && r.Team == "data").ResourceId;
            var snapshot = account.Resources.First(r => r.Kind == "snapshot").ResourceId;
            var address = account.Resources.First(r => r.Kind == "elastic-ip").ResourceId;
            Assert.Contains(("unattached-volume", orphanVolume), findings);
            Assert.Contains(("snapshot-of-deleted-volume", snapshot), findings);
            Assert.Contains(("unassociated-elastic-ip", address), findings);
            Assert.Contains(findings, f => f.Type == "stopped-instance-with-storage");
            Assert.DoesNotContain(findings, f => f.Id == web.ResourceId);

            var import = Assert.Single((await orgA.Query.ListImportsAsync()).Items);
            Assert.Equal(month.BillingPeriod, import.BillingPeriod);
            Assert.Equal("loaded", import.CostsStatus);

            // Another organization sees none of it.
            using var orgB = await stack.RegisterAsync("b");
            Assert.Equal(0m, (await orgB.Query.GetCostsAsync(from, to)).Total);
            Assert.Empty((await orgB.Query.ListResourcesAsync()).Items);
            Assert.Empty((await orgB.Query.ListFindingsAsync()).Items);
            Assert.Empty((await orgB.Query.ListImportsAsync()).Items);
            var notFound = await Assert.ThrowsAsync<DigiUsher.Client.Query.ApiException<DigiUsher.Client.Query.ProblemDetails>>(
                () => orgB.Query.GetResourceAsync(web.ResourceId, from: from, to: to));
            Assert.Equal(404, notFound.StatusCode);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private static Dictionary<string, decimal> Groups(CostsResponse costs, string key) =>
        costs.Items.ToDictionary(g => g.Keys[key], g => g.Amount);
}
