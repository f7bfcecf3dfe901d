using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using DigiUsher.Client.DataSource;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// A payer and one of its member accounts connected in the same organization, through the five real
/// services and a moto holding the AWS Organization: the member's costs come only from the payer's CUR
/// (one import, the payer's), and its resources are discovered in its own account and priced by them.
/// </summary>
public class LinkedAccountEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task LinkedAccount_WhenItsPayerImports_ShowsItsCostsFromThePayersCurAndItsOwnResources()
    {
        await using var moto = await MotoServer.StartAsync();
        var payer = new AwsAccount(moto.Url);
        await payer.SeedAsync();
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var member = await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        var (memberKeyId, memberSecret) = await MotoOrganizations.MemberKeysAsync(moto.Url, member, "digiusher-readonly");
        var api = await RunInstanceAsync(moto.Url, new BasicAWSCredentials(memberKeyId, memberSecret));
        var apiInstance = new SeededResource(api, "instance", "api", null, "AmazonEC2", "BoxUsage:m5.xlarge", 4.608m, member);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CurMonth([.. payer.Resources, apiInstance], "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
        await month.UploadAsync(moto.Url, payer.CurBucket);
        var from = DateOnly.Parse(month.From, CultureInfo.InvariantCulture);
        var to = DateOnly.Parse(month.To, CultureInfo.InvariantCulture);

        await using var stack = await ServiceStack.StartAsync(moto.Url);
        try
        {
            using var org = await stack.RegisterAsync("linked");
            var root = await org.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
            {
                Name = "Payer", Kind = "aws-root", AccessKeyId = payer.AccessKeyId, SecretAccessKey = payer.SecretAccessKey,
                Bucket = payer.CurBucket, Prefix = CurMonth.Prefix, Region = "us-east-1",
            });
            var linked = await org.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
            {
                Name = "Production", Kind = "aws-linked", ParentDataSourceId = root.Id, AccessKeyId = memberKeyId, SecretAccessKey = memberSecret,
            });
            Assert.Equal(member, linked.AccountId);

            await Eventually.Get(
                async () => (await org.Query.GetCostsAsync(from, to)).Total == month.Total ? (object)true : null,
                Patience, $"Query to show the payer's imported month ({month.Total} USD)");

            // The linked data source's costs are the payer's CUR lines of its account, read from the payer's import.
            var linkedCosts = await org.Query.GetCostsAsync(from, to, groupBy: ["account"], dataSourceId: linked.Id);
            Assert.Equal(month.ByAccount(member), linkedCosts.Total);
            Assert.Equal(member, Assert.Single(linkedCosts.Items).Keys["account"]);
            Assert.Equal(root.Id, Assert.Single(linkedCosts.Sources).DataSourceId);
            Assert.Equal(month.Total, (await org.Query.GetCostsAsync(from, to, dataSourceId: root.Id)).Total);
            await Eventually.True(
                async () => (await org.Query.GetCostsAsync(from, to, groupBy: ["account"], dataSourceId: linked.Id)).Items.Single().Names is { } names
                    && names.TryGetValue("account", out var name) && name == "production",
                Patience, "the member account named from the payer's AWS Organization");

            // Its resources are discovered in its own account and priced by the payer's CUR.
            await Eventually.True(
                async () => (await org.Query.ListResourcesAsync(dataSourceId: linked.Id, discovered: true, from: from, to: to)).Items.Any(i => i.ResourceId == api),
                Patience, "the member account's instance discovered under the linked data source");
            var resources = (await org.Query.ListResourcesAsync(dataSourceId: linked.Id, from: from, to: to, limit: 1000)).Items;
            Assert.All(resources, r => Assert.Equal((linked.Id, member), (r.DataSourceId, r.AccountId)));
            Assert.DoesNotContain(resources, r => payer.Resources.Any(p => p.ResourceId == r.ResourceId));
            var instance = Assert.Single(resources, r => r.ResourceId == api);
            Assert.True(instance.Discovered);
            Assert.Equal("production", instance.AccountName);
            Assert.Equal(month.ByResource(api), Assert.Single(instance.Cost).Amount);
            var detail = await org.Query.GetResourceAsync(api, dataSourceId: linked.Id, from: from, to: to);
            Assert.Equal(month.ByResource(api), detail.DailyCost.Sum(d => d.Amount));

            // Nothing imported twice: the payer's import is the only one, and the linked data source is never polled.
            var import = Assert.Single((await org.Query.ListImportsAsync()).Items);
            Assert.Equal(root.Id, import.DataSourceId);
            var status = await org.DataSource.GetDataSourceStatusAsync(linked.Id);
            Assert.Null(status.LastPoll);
            Assert.Empty(status.Imports);
            Assert.Equal(member, (await Eventually.Get(
                async () => (await org.DataSource.GetDataSourceStatusAsync(linked.Id)).LastDiscovery, Patience, "the linked account's discovery run")).AccountId);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private static async Task<string> RunInstanceAsync(string motoUrl, AWSCredentials credentials)
    {
        using var ec2 = new AmazonEC2Client(credentials, new AmazonEC2Config { ServiceURL = motoUrl, AuthenticationRegion = "us-east-1" });
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest())).Images.First().ImageId;
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = image, InstanceType = "m5.xlarge", MinCount = 1, MaxCount = 1,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new("Name", "api-1"), new("team", "api")] }],
        });
        return run.Reservation.Instances[0].InstanceId;
    }
}
