using Amazon.S3.Model;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.ResourceDiscovery.Tests;

public class PermissionTests
{
    [Fact]
    public async Task Discovery_WhenTheKeysLackIamListUsers_DiscoversEc2AndS3AndReportsIamSkippedWithTheReason()
    {
        // moto enforces signatures and IAM policies after these 5 seeding requests.
        await using var moto = await TestMoto.StartAsync(freeRequests: 5);
        using var root = new MotoAccount(moto.Url, DiscoveryHarness.MotoRoot);
        var limited = await root.CreateUserWithPolicyAsync(
            "discovery-no-iam",
            "ec2:Describe*", "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:GetBucketAcl",
            "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus", "cloudwatch:GetMetricStatistics", "sts:GetCallerIdentity");
        var instance = await root.RunInstanceAsync("us-east-1", "t3.micro");
        var bucket = $"reports-{Guid.NewGuid():N}"[..20];
        using (var s3 = root.S3("us-east-1"))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }

        await using var harness = await DiscoveryHarness.StartAsync(moto);
        var dataSourceId = await harness.ConnectAsync(Guid.NewGuid(), limited);
        var run = await harness.CompletedAsync(dataSourceId);
        var found = (await harness.ChunksOfAsync(run)).SelectMany(c => c.Resources).ToList();

        Assert.Contains(found, r => r.Kind == ResourceKinds.Instance && r.ResourceId == instance);
        Assert.Contains(found, r => r.Kind == ResourceKinds.Bucket && r.ResourceId == bucket);
        Assert.DoesNotContain(found, r => r.Kind is ResourceKinds.IamUser or ResourceKinds.AccessKey);
        Assert.Contains("ec2-instance@us-east-1", run.Covered);
        Assert.DoesNotContain(run.Covered, c => c.StartsWith("iam-", StringComparison.Ordinal));
        var skipped = Assert.Single(run.Skipped, s => s.Kind == ResourceKinds.IamUser);
        Assert.Contains("AccessDenied on iam:ListUsers", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains(run.Skipped, s => s.Kind == ResourceKinds.AccessKey);
        Assert.Contains(run.Skipped, s => s.Kind == "organizations" && s.Reason.Contains("AccessDenied on organizations:ListAccounts", StringComparison.Ordinal));
        Assert.Empty(harness.Events.AccountLists);
        await using var connection = new NpgsqlConnection(harness.Database.AdminConnectionString);
        var denied = await connection.QuerySingleAsync<string>(
            "select reason from discovery.denied_features where data_source_id = @dataSourceId and feature = 'iam'", new { dataSourceId });
        Assert.Contains("iam:ListUsers", denied, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_WhenDataSourceHasNoCredentials_PublishesDiscoveryFailedWithTheReason()
    {
        await using var moto = await TestMoto.StartAsync();
        await using var harness = await DiscoveryHarness.StartAsync(moto);
        var dataSourceId = Guid.NewGuid();

        await harness.PublishAsync(new DataSourceConnected(Guid.NewGuid(), dataSourceId, "connected", DiscoveryHarness.Settings("a@example.com"), DateTimeOffset.UtcNow));

        var failed = await Eventually.Get(
            () => Task.FromResult(harness.Events.Failed.FirstOrDefault(f => f.DataSourceId == dataSourceId)), TimeSpan.FromSeconds(90), "DiscoveryFailed");
        Assert.Contains("No such data source", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Events.Completed, c => c.DataSourceId == dataSourceId);
    }
}
