using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Aws.Signing;

namespace DigiUsher.Testing.Aws;

/// <summary>A resource seeded in moto, with what the generated CUR bills for it (in <paramref name="AccountId"/>, a member account; null: the payer's).</summary>
public sealed record SeededResource(string ResourceId, string Kind, string Team, string? Owner, string ProductCode, string UsageType, decimal DailyCost, string? AccountId = null);

/// <summary>
/// An AWS account in a dedicated moto: a running instance (team web, owner alice), a stopped
/// instance whose root volume still costs, an unattached 500 GiB volume, a snapshot of a deleted
/// volume, an unassociated Elastic IP, a bucket, the CUR bucket, and the read-only user DigiUsher gets.
/// Against a moto that enforces IAM (<see cref="MotoServer.StartAsync"/> with free requests), call
/// <see cref="CreateAdminAsync"/> first: it spends 3 free requests on an admin that seeds the rest.
/// </summary>
public sealed class AwsAccount(string motoUrl)
{
    private BasicAWSCredentials _setup = new("e2e-setup", "e2e-setup-secret");

    /// <summary>The credentials that seed the account (and upload its reports).</summary>
    public AWSCredentials Setup => _setup;

    public List<SeededResource> Resources { get; } = [];

    public string AccessKeyId { get; private set; } = "";

    public string SecretAccessKey { get; private set; } = "";

    public string CurBucket { get; } = $"e2e-billing-{Guid.NewGuid():N}"[..28];

    /// <summary>An admin user (policy "*") whose keys seed everything after: 3 requests.</summary>
    public async Task CreateAdminAsync()
    {
        var (id, secret) = await CreateUserAsync("e2e-admin", "*");
        _setup = new BasicAWSCredentials(id, secret);
    }

    /// <summary>An IAM user allowed exactly <paramref name="actions"/> on every resource, and its access key.</summary>
    public async Task<(string AccessKeyId, string SecretAccessKey)> CreateUserAsync(string userName, params string[] actions)
    {
        using var signer = new AwsSignedHttpClientFactory();
        using var iam = signer.CreateClient(_setup, "us-east-1", "iam", new Uri(motoUrl + "/"));
        await IamAsync(iam, ("Action", "CreateUser"), ("UserName", userName));
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[{{string.Join(",", actions.Select(a => $"\"{a}\""))}}],"Resource":"*"}]}""";
        await IamAsync(iam, ("Action", "PutUserPolicy"), ("UserName", userName), ("PolicyName", "digiusher"), ("PolicyDocument", policy));
        var key = await IamAsync(iam, ("Action", "CreateAccessKey"), ("UserName", userName));
        return (Between(key, "<AccessKeyId>", "</AccessKeyId>"), Between(key, "<SecretAccessKey>", "</SecretAccessKey>"));
    }

    public async Task SeedAsync()
    {
        (AccessKeyId, SecretAccessKey) = await CreateUserAsync("digiusher-readonly", "*");

        using var ec2 = new AmazonEC2Client(_setup, new AmazonEC2Config { ServiceURL = motoUrl, AuthenticationRegion = "us-east-1" });
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest())).Images.First().ImageId;
        var web = await RunAsync(ec2, image, "web-1", "m5.large", "web", "alice@example.com");
        Resources.Add(new(web, "instance", "web", "alice@example.com", "AmazonEC2", "BoxUsage:m5.large", 2.304m));
        var old = await RunAsync(ec2, image, "web-old", "t3.medium", "web", "bob@example.com");
        await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [old] });
        foreach (var volume in (await ec2.DescribeVolumesAsync(new DescribeVolumesRequest())).Volumes ?? [])
        {
            var owner = volume.Attachments![0].InstanceId == web ? "alice@example.com" : "bob@example.com";
            Resources.Add(new(volume.VolumeId, "volume", "web", owner, "AmazonEC2", "EBS:VolumeUsage.gp3", 0.25m));
        }

        var orphan = await ec2.CreateVolumeAsync(new CreateVolumeRequest
        {
            AvailabilityZone = "us-east-1a", Size = 500, VolumeType = VolumeType.Gp3,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = [new("team", "data")] }],
        });
        Resources.Add(new(orphan.Volume.VolumeId, "volume", "data", null, "AmazonEC2", "EBS:VolumeUsage.gp3", 1.31m));
        var doomed = await ec2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = "us-east-1a", Size = 200 });
        var snapshot = await ec2.CreateSnapshotAsync(new CreateSnapshotRequest
        {
            VolumeId = doomed.Volume.VolumeId,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [new("team", "data")] }],
        });
        await ec2.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = doomed.Volume.VolumeId });
        Resources.Add(new(snapshot.Snapshot.SnapshotId, "snapshot", "data", null, "AmazonEC2", "EBS:SnapshotUsage", 0.33m));
        var address = await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc });
        Resources.Add(new(address.AllocationId, "elastic-ip", "", null, "AmazonEC2", "ElasticIP:IdleAddress", 0.12m));

        using var s3 = new AmazonS3Client(_setup, new AmazonS3Config { ServiceURL = motoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await s3.PutBucketAsync(CurBucket);
        var assets = $"e2e-assets-{Guid.NewGuid():N}"[..26];
        await s3.PutBucketAsync(assets);
        await s3.PutBucketTaggingAsync(new PutBucketTaggingRequest { BucketName = assets, TagSet = [new Amazon.S3.Model.Tag { Key = "team", Value = "web" }] });
        Resources.Add(new(assets, "bucket", "web", null, "AmazonS3", "TimedStorage-ByteHrs", 0.07m));
    }

    private static async Task<string> RunAsync(AmazonEC2Client ec2, string image, string name, string type, string team, string owner)
    {
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = image, InstanceType = type, MinCount = 1, MaxCount = 1,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new("Name", name), new("team", team), new("owner", owner)] }],
        });
        return run.Reservation.Instances[0].InstanceId;
    }

    private static async Task<string> IamAsync(HttpClient iam, params (string Key, string Value)[] fields)
    {
        using var body = new FormUrlEncodedContent(fields.Append(("Version", "2010-05-08")).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        using var response = await iam.PostAsync("", body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"IAM {fields[0].Value} failed: {text}");
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }
}
