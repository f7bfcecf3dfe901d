using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Dapper;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Npgsql;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// A payer whose root data source names a member account role, through DataSource and ResourceDiscovery on a moto
/// holding an AWS Organization and enforcing IAM policies: two member accounts are discovered with the credentials
/// DataSource issues for each, one refuses the role and is reported while the others go on, and a member account
/// connected as its own aws-linked data source is discovered once, by that one.
/// </summary>
public class MemberAccountDiscoveryEndToEndTests
{
    private const string RoleName = "DigiUsherDiscovery";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Discovery_WhenTheRootHasAMemberAccountRole_DiscoversEachMemberAccountOnceAndReportsTheOneThatRefuses()
    {
        await using var moto = await MotoServer.StartAsync();
        var payer = new AwsAccount(moto.Url);
        await payer.SeedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await new CurMonth([.. payer.Resources], "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1)).UploadAsync(moto.Url, payer.CurBucket);
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var production = await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        var staging = await MotoOrganizations.CreateAccountAsync(moto.Url, "staging");
        var sandbox = await MotoOrganizations.CreateAccountAsync(moto.Url, "sandbox");
        var payments = await MotoOrganizations.CreateAccountAsync(moto.Url, "payments");
        foreach (var account in new[] { production, staging, payments })
        {
            await MotoOrganizations.CreateMemberRoleAsync(moto.Url, account, RoleName);
        }

        var instances = new Dictionary<string, string>();
        foreach (var account in new[] { production, staging, sandbox, payments })
        {
            instances[account] = await RunInstanceAsync(moto.Url, await MotoOrganizations.AssumeInAccountAsync(moto.Url, account));
        }

        var paymentsKeys = await MotoOrganizations.MemberKeysAsync(moto.Url, payments, "digiusher-readonly");
        var payerKeys = await MotoOrganizations.PayerKeysAsync(moto.Url, "digiusher-payer", RoleName, sandbox);
        await MotoOrganizations.EnforceAuthAsync(moto.Url);

        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "ResourceDiscovery"], new Dictionary<string, string>
        {
            ["Discovery__Regions__0"] = "us-east-1", ["Discovery__SchedulerTick"] = "00:00:01",
        });
        try
        {
            using var org = await DataSourceApi.RegisterAsync(stack["DataSource"]);
            using var created = await org.Http.PostAsJsonAsync("/api/v1/data-sources", new
            {
                name = "Payer", kind = "aws-root", accessKeyId = payerKeys.AccessKeyId, secretAccessKey = payerKeys.SecretAccessKey,
                bucket = payer.CurBucket, prefix = CurMonth.Prefix, region = "us-east-1", memberAccountRole = new { roleName = RoleName },
            });
            var root = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
            Assert.True(created.StatusCode == HttpStatusCode.Created, root.GetRawText());
            var rootId = root.GetProperty("id").GetGuid();
            var first = await CompletedRunAsync(stack, rootId, 1);

            // Every member account but the refusing one is discovered by the root, each resource under its own account.
            var firstInventory = await InventoryAsync(stack, rootId);
            Assert.Equal(production, firstInventory[instances[production]].AccountId);
            Assert.Equal("production", firstInventory[instances[production]].AccountName);
            Assert.Equal(staging, firstInventory[instances[staging]].AccountId);
            Assert.Equal(payments, firstInventory[instances[payments]].AccountId);
            Assert.False(firstInventory.ContainsKey(instances[sandbox]));
            Assert.Contains(first.Skipped, s => s.Contains("member-account", StringComparison.Ordinal) && s.Contains(sandbox, StringComparison.Ordinal)
                && s.Contains("refused the member account role", StringComparison.Ordinal));
            Assert.Contains($"ec2-instance@us-east-1@{production}", first.Covered, StringComparison.Ordinal);
            Assert.DoesNotContain(sandbox, first.Covered, StringComparison.Ordinal);

            // Payments connected on its own: from then on discovered by that data source only, and gone from the root's.
            using var linked = await org.Http.PostAsJsonAsync("/api/v1/data-sources", new
            {
                name = "Payments", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = paymentsKeys.AccessKeyId, secretAccessKey = paymentsKeys.SecretAccessKey,
            });
            var linkedBody = JsonDocument.Parse(await linked.Content.ReadAsStringAsync()).RootElement;
            Assert.True(linked.StatusCode == HttpStatusCode.Created, linkedBody.GetRawText());
            var linkedId = linkedBody.GetProperty("id").GetGuid();
            await CompletedRunAsync(stack, linkedId, 1);
            using var renamed = await org.Http.PatchAsJsonAsync($"/api/v1/data-sources/{rootId}", new { name = "Payer (organization)" });
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
            await CompletedRunAsync(stack, rootId, 2);

            var rootInventory = await InventoryAsync(stack, rootId);
            var linkedInventory = await InventoryAsync(stack, linkedId);
            Assert.False(rootInventory.ContainsKey(instances[payments]), "the aws-linked account's instance is still the root's");
            Assert.Equal(payments, linkedInventory[instances[payments]].AccountId);
            Assert.True(rootInventory.ContainsKey(instances[production]));
            Assert.True(rootInventory.ContainsKey(instances[staging]));
            Assert.DoesNotContain(rootInventory.Values, r => r.AccountId == payments);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private sealed record Resource(string AccountId, string? AccountName);

    private sealed record RunSeen(string Covered, IReadOnlyList<string> Skipped);

    private static Task<RunSeen> CompletedRunAsync(ServiceStack stack, Guid dataSourceId, int count) =>
        Eventually.Get(
            async () =>
            {
                await using var connection = new NpgsqlConnection(stack.Database.AdminConnectionString);
                var runs = (await connection.QueryAsync<(string Status, string? Covered, string? Skipped, string? Reason)>(
                    "select status, covered::text, skipped::text, reason from discovery.runs where data_source_id = @dataSourceId order by started_at",
                    new { dataSourceId })).ToList();
                Assert.DoesNotContain(runs, r => r.Status == "failed");
                var done = runs.Where(r => r.Status == "completed").ToList();
                return done.Count >= count
                    ? new RunSeen(done[count - 1].Covered!, [.. JsonDocument.Parse(done[count - 1].Skipped!).RootElement.EnumerateArray().Select(s => s.GetRawText())])
                    : null;
            },
            Patience,
            $"discovery run {count} of {dataSourceId}");

    private static async Task<IReadOnlyDictionary<string, Resource>> InventoryAsync(ServiceStack stack, Guid dataSourceId)
    {
        await using var connection = new NpgsqlConnection(stack.Database.AdminConnectionString);
        var rows = await connection.QueryAsync<(string ResourceId, string AccountId, string? AccountName)>(
            "select resource_id, account_id, attributes->>'accountName' from discovery.resources where data_source_id = @dataSourceId and kind = 'ec2-instance' and gone_at is null",
            new { dataSourceId });
        return rows.ToDictionary(r => r.ResourceId, r => new Resource(r.AccountId, r.AccountName));
    }

    private static async Task<string> RunInstanceAsync(string motoUrl, AWSCredentials credentials)
    {
        using var ec2 = new AmazonEC2Client(credentials, new AmazonEC2Config { ServiceURL = motoUrl, AuthenticationRegion = "us-east-1" });
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest())).Images.First().ImageId;
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = image, InstanceType = "t3.micro", MinCount = 1, MaxCount = 1 });
        return run.Reservation.Instances[0].InstanceId;
    }
}
