using System.Net.Http.Json;
using Amazon.EC2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Dapper;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Npgsql;

namespace DigiUsher.ResourceDiscovery.Tests;

public class DiscoveryRunTests
{
    [Fact]
    public async Task Discovery_WhenADataSourceConnects_FindsEveryResourceWithItsAttributesAndOwnerAndASecondRunReportsADeletedVolumeGone()
    {
        await using var moto = await TestMoto.StartAsync();
        using var account = new MotoAccount(moto.Url, DiscoveryHarness.MotoRoot);
        var suffix = Guid.NewGuid().ToString("N")[..8];

        var web = await account.RunInstanceAsync("us-east-1", "t3.micro", ("Name", "web-1"), ("owner", "alice@example.com"));
        var batch = await account.RunInstanceAsync("us-east-1", "m5.large");
        var dublin = await account.RunInstanceAsync("eu-west-1", "t3.small", ("Name", "eu-api"), ("team", "platform"));
        var spare = await account.CreateVolumeAsync("us-east-1", 10, ("created-by", "carol@example.com"));
        var data = await account.CreateVolumeAsync("us-east-1", 20);
        string snapshot;
        string allocation;
        using (var ec2 = account.Ec2("us-east-1"))
        {
            await Eventually.True(async () => (await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [data] })).Volumes[0].State == "available", TimeSpan.FromSeconds(30), "the volume");
            await ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = data, InstanceId = web, Device = "/dev/sdf" });
            snapshot = (await ec2.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeId = spare, Description = "nightly" })).Snapshot.SnapshotId;
            allocation = (await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc })).AllocationId;
        }

        var publicBucket = $"public-assets-{suffix}";
        var privateBucket = $"private-logs-{suffix}";
        using (var s3 = account.S3("us-east-1"))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = publicBucket });
            await s3.PutBucketAclAsync(new PutBucketAclRequest { BucketName = publicBucket, ACL = S3CannedACL.PublicRead });
        }

        using (var s3 = account.S3("eu-central-1"))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = privateBucket, BucketRegionName = "eu-central-1" });
            await s3.PutBucketTaggingAsync(new PutBucketTaggingRequest
            {
                BucketName = privateBucket,
                TagSet = [new Amazon.S3.Model.Tag { Key = "team", Value = "data" }, new Amazon.S3.Model.Tag { Key = "Owner", Value = "bob@example.com" }],
            });
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, 120), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            await account.IamAsync("CreateUser", ("UserName", $"dev-{i:D3}"));
            await account.IamAsync("CreateAccessKey", ("UserName", $"dev-{i:D3}"));
        });
        await account.IamAsync("CreateLoginProfile", ("UserName", "dev-007"), ("Password", "Str0ng!Passw0rd"));

        // moto accepts PutMetricData with past timestamps, so 14 days of CPU can be seeded.
        var today = DateTime.UtcNow.Date;
        var dimensions = new[] { new Dimension("InstanceId", web) };
        await account.PutCpuAsync("us-east-1", web, Enumerable.Range(1, 14).SelectMany(day => new[]
        {
            new MetricDatum("CPUUtilization", dimensions, today.AddDays(-day).AddHours(2), 4, "Percent"),
            new MetricDatum("CPUUtilization", dimensions, today.AddDays(-day).AddHours(14), 4 + day, "Percent"),
        }).ToList());

        await using var harness = await DiscoveryHarness.StartAsync(moto);
        var organizationId = Guid.NewGuid();
        using (var api = harness.ApiClient(organizationId))
        {
            var created = await api.PostAsJsonAsync("/api/v1/owner-rules", new { match = "resourceType", value = ResourceKinds.AccessKey, ownerEmail = "security@example.com" });
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        var dataSourceId = await harness.ConnectAsync(organizationId, DiscoveryHarness.MotoRoot, "creator@example.com");
        var first = await harness.CompletedAsync(dataSourceId);
        var chunks = await harness.ChunksOfAsync(first);
        var found = chunks.SelectMany(c => c.Resources).ToList();
        DiscoveredResource One(string kind, string id) => Assert.Single(found, r => r.Kind == kind && r.ResourceId == id);

        Assert.Equal("123456789012", first.AccountId);
        Assert.Empty(harness.Events.Failed);
        Assert.All(chunks, c => Assert.True(c.Resources.Count <= 50));
        Assert.Equal([0, 1, 2], chunks.Where(c => c.ResourceType == ResourceKinds.IamUser).Select(c => c.ChunkIndex).Order());
        Assert.All(chunks.Where(c => c.ResourceType == ResourceKinds.IamUser), c => Assert.Equal(3, c.ChunkCount));
        Assert.All(chunks, c => Assert.Equal($"{first.RunId}:{c.Region}:{c.ResourceType}:{c.ChunkIndex}", c.IdempotencyKey));
        Assert.Contains("ec2-instance@us-east-1", first.Covered);
        Assert.Contains("ec2-instance@eu-west-1", first.Covered);
        Assert.Contains("iam-user@global", first.Covered);

        var webInstance = One(ResourceKinds.Instance, web);
        Assert.Equal(("us-east-1", "running", "web-1"), (webInstance.Region, webInstance.State, webInstance.Name));
        Assert.Equal("t3.micro", webInstance.Attributes["instanceType"]);
        Assert.Contains(data, webInstance.Attributes["volumeIds"], StringComparison.Ordinal);
        Assert.NotNull(webInstance.CreatedAt);
        Assert.Equal(("alice@example.com", "default:tag:owner"), (webInstance.OwnerEmail, webInstance.OwnerRule));
        Assert.NotNull(webInstance.Cpu);
        Assert.Equal(14, webInstance.Cpu.Count);
        var threeDaysAgo = Assert.Single(webInstance.Cpu, c => c.Day == DateOnly.FromDateTime(today.AddDays(-3)));
        Assert.Equal((5.5, 7.0), (threeDaysAgo.Average, threeDaysAgo.Maximum));
        Assert.Equal(("creator@example.com", "default:data-source-creator"), (One(ResourceKinds.Instance, batch).OwnerEmail, One(ResourceKinds.Instance, batch).OwnerRule));
        Assert.Equal(("eu-west-1", "eu-api", "platform"), (One(ResourceKinds.Instance, dublin).Region, One(ResourceKinds.Instance, dublin).Name, One(ResourceKinds.Instance, dublin).Tags["team"]));

        var spareVolume = One(ResourceKinds.Volume, spare);
        Assert.Equal(("available", "false", "10", "gp3"), (spareVolume.State, spareVolume.Attributes["attached"], spareVolume.Attributes["sizeGiB"], spareVolume.Attributes["volumeType"]));
        Assert.Equal("carol@example.com", spareVolume.OwnerEmail);
        var dataVolume = One(ResourceKinds.Volume, data);
        Assert.Equal(("in-use", "true", web), (dataVolume.State, dataVolume.Attributes["attached"], dataVolume.Attributes["attachedTo"]));
        var snap = One(ResourceKinds.Snapshot, snapshot);
        Assert.Equal((spare, "nightly", "us-east-1"), (snap.Attributes["volumeId"], snap.Attributes["description"], snap.Region));
        var eip = One(ResourceKinds.ElasticIp, allocation);
        Assert.Equal(("false", "unassociated"), (eip.Attributes["associated"], eip.State));
        Assert.False(string.IsNullOrEmpty(eip.Attributes["publicIp"]));

        var open = One(ResourceKinds.Bucket, publicBucket);
        Assert.Equal(("true", "us-east-1"), (open.Attributes["public"], open.Region));
        Assert.Contains("AllUsers:READ", open.Attributes["publicReason"], StringComparison.Ordinal);
        var closed = One(ResourceKinds.Bucket, privateBucket);
        Assert.Equal(("false", "eu-central-1", "data"), (closed.Attributes["public"], closed.Region, closed.Tags["team"]));
        Assert.Equal(("bob@example.com", "default:tag:Owner"), (closed.OwnerEmail, closed.OwnerRule));
        Assert.Equal("none", closed.Attributes["publicAccessBlock"]);

        var users = found.Where(r => r.Kind == ResourceKinds.IamUser).ToList();
        Assert.Equal(120, users.Count);
        Assert.Equal(120, first.Counts[ResourceKinds.IamUser]);
        Assert.All(users, u => Assert.Equal($"arn:aws:iam::123456789012:user/{u.Name}", u.ResourceId));
        Assert.Equal("true", users.Single(u => u.Name == "dev-007").Attributes["consoleAccess"]);
        Assert.Equal("false", users.Single(u => u.Name == "dev-008").Attributes["consoleAccess"]);
        var keys = found.Where(r => r.Kind == ResourceKinds.AccessKey).ToList();
        Assert.Equal(120, keys.Count);
        Assert.All(keys, k => Assert.Equal(("Active", "global", "security@example.com"), (k.State, k.Region, k.OwnerEmail)));
        Assert.All(keys, k => Assert.StartsWith("arn:aws:iam::123456789012:user/dev-", k.Attributes["userArn"], StringComparison.Ordinal));

        await using (var connection = new NpgsqlConnection(harness.Database.AdminConnectionString))
        {
            Assert.Equal(found.Count, await connection.ExecuteScalarAsync<int>(
                "select count(*) from discovery.resources where data_source_id = @dataSourceId and gone_at is null", new { dataSourceId }));
        }

        // A second run, after the spare volume was deleted, reports it gone.
        using (var ec2 = account.Ec2("us-east-1"))
        {
            await ec2.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = spare });
        }

        await harness.PublishAsync(new DataSourceUpdated(organizationId, dataSourceId, $"updated:{dataSourceId}",
            DiscoveryHarness.Settings("creator@example.com"), CredentialsRotated: false, DateTimeOffset.UtcNow));
        var second = await harness.CompletedAsync(dataSourceId, 2);
        var secondFound = (await harness.ChunksOfAsync(second)).SelectMany(c => c.Resources).ToList();

        Assert.NotEqual(first.RunId, second.RunId);
        Assert.Contains("ebs-volume@us-east-1", second.Covered);
        Assert.DoesNotContain(secondFound, r => r.ResourceId == spare);
        Assert.Contains(secondFound, r => r.ResourceId == data);
        Assert.Equal(first.Counts[ResourceKinds.Volume] - 1, second.Counts[ResourceKinds.Volume]);
        await using (var connection = new NpgsqlConnection(harness.Database.AdminConnectionString))
        {
            var gone = await connection.QueryAsync<string>(
                "select resource_id from discovery.resources where data_source_id = @dataSourceId and gone_at is not null", new { dataSourceId });
            Assert.Equal([spare], gone);
        }

        Assert.DoesNotContain(harness.Service.LogLines, l => l.Contains(DiscoveryHarness.MotoRoot.GetCredentials().SecretKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discovery_WhenAnInstancesVolumesAndAddressHaveNoOwnerOfTheirOwn_GivesThemTheInstancesOwnerAndATaggedVolumeKeepsItsOwn()
    {
        await using var moto = await TestMoto.StartAsync();
        using var account = new MotoAccount(moto.Url, DiscoveryHarness.MotoRoot);
        var owned = await account.RunInstanceAsync("us-east-1", "t3.micro", ("owner", "alice@example.com"));
        var unowned = await account.RunInstanceAsync("us-east-1", "t3.micro");
        var untagged = await account.CreateVolumeAsync("us-east-1", 20);
        var tagged = await account.CreateVolumeAsync("us-east-1", 30, ("owner", "bob@example.com"));
        var ofUnowned = await account.CreateVolumeAsync("us-east-1", 40);
        string address;
        using (var ec2 = account.Ec2("us-east-1"))
        {
            await ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = untagged, InstanceId = owned, Device = "/dev/sdf" });
            await ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = tagged, InstanceId = owned, Device = "/dev/sdg" });
            await ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = ofUnowned, InstanceId = unowned, Device = "/dev/sdf" });
            address = (await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc })).AllocationId;
            await ec2.AssociateAddressAsync(new AssociateAddressRequest { AllocationId = address, InstanceId = owned });
        }

        await using var harness = await DiscoveryHarness.StartAsync(moto);
        var dataSourceId = await harness.ConnectAsync(Guid.NewGuid(), DiscoveryHarness.MotoRoot, "creator@example.com");
        var run = await harness.CompletedAsync(dataSourceId);
        var volumes = (await harness.ChunksOfAsync(run)).SelectMany(c => c.Resources).Where(r => r.Kind == ResourceKinds.Volume).ToList();
        DiscoveredResource Volume(string id) => Assert.Single(volumes, v => v.ResourceId == id);

        // moto, like EC2, gives each launched instance an untagged root volume.
        var root = Assert.Single(volumes, v => v.Attributes["attachedTo"] == owned && v.ResourceId != untagged && v.ResourceId != tagged);
        Assert.Equal(("alice@example.com", $"default:attached-to:{owned}"), (root.OwnerEmail, root.OwnerRule));
        Assert.Equal(("alice@example.com", $"default:attached-to:{owned}"), (Volume(untagged).OwnerEmail, Volume(untagged).OwnerRule));
        Assert.Equal(("bob@example.com", "default:tag:owner"), (Volume(tagged).OwnerEmail, Volume(tagged).OwnerRule));
        Assert.Equal(("creator@example.com", "default:data-source-creator"), (Volume(ofUnowned).OwnerEmail, Volume(ofUnowned).OwnerRule));
        var eip = Assert.Single((await harness.ChunksOfAsync(run)).SelectMany(c => c.Resources), r => r.ResourceId == address);
        Assert.Equal(("alice@example.com", $"default:attached-to:{owned}"), (eip.OwnerEmail, eip.OwnerRule));
        await using var connection = new NpgsqlConnection(harness.Database.AdminConnectionString);
        Assert.Equal("alice@example.com", await connection.ExecuteScalarAsync<string>(
            "select owner_email from discovery.resources where data_source_id = @dataSourceId and resource_id = @untagged", new { dataSourceId, untagged }));
    }
}
