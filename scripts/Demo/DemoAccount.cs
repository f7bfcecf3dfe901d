using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Aws.Signing;

namespace DigiUsher.Demo;

/// <summary>A resource of the demo account, as the CUR names it.</summary>
public sealed record SeededResource(string ResourceId, string Kind, string Region, string Team, string? Owner, decimal HourlyRate, string Size);

/// <summary>
/// Builds a small but realistic AWS account in moto: instances in two regions (one idle, one
/// stopped), attached and unattached volumes, a snapshot of a deleted volume, an unassociated
/// Elastic IP, a public and a private bucket, IAM users with keys, 14 days of CPU, and the
/// read-only IAM user whose keys DigiUsher is given.
/// </summary>
public sealed class DemoAccount(string motoUrl)
{
    private readonly BasicAWSCredentials _setupCredentials = new("demo-setup", "demo-setup-secret");

    public List<SeededResource> Resources { get; } = [];

    public string AccessKeyId { get; private set; } = "";

    public string SecretAccessKey { get; private set; } = "";

    public string CurBucket { get; } = $"demo-billing-{Guid.NewGuid():N}"[..28];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        using (var http = new HttpClient())
        {
            // A clean account each run: moto's reset API.
            (await http.PostAsync($"{motoUrl}/moto-api/reset", null, cancellationToken)).EnsureSuccessStatusCode();
        }

        await SeedIamAsync(cancellationToken);
        await SeedEc2Async("us-east-1", cancellationToken);
        await SeedEc2Async("eu-west-1", cancellationToken);
        await SeedS3Async(cancellationToken);
    }

    private async Task SeedIamAsync(CancellationToken cancellationToken)
    {
        using var signer = new AwsSignedHttpClientFactory();
        using var iam = signer.CreateClient(_setupCredentials, "us-east-1", "iam", new Uri(motoUrl + "/"));
        await IamAsync(iam, cancellationToken, ("Action", "CreateUser"), ("UserName", "digiusher-readonly"));
        var key = await IamAsync(iam, cancellationToken, ("Action", "CreateAccessKey"), ("UserName", "digiusher-readonly"));
        AccessKeyId = Between(key, "<AccessKeyId>", "</AccessKeyId>");
        SecretAccessKey = Between(key, "<SecretAccessKey>", "</SecretAccessKey>");
        foreach (var user in new[] { "alice", "bob", "carol-ci" })
        {
            await IamAsync(iam, cancellationToken, ("Action", "CreateUser"), ("UserName", user));
            await IamAsync(iam, cancellationToken, ("Action", "CreateAccessKey"), ("UserName", user));
            if (user != "carol-ci")
            {
                await IamAsync(iam, cancellationToken, ("Action", "CreateLoginProfile"), ("UserName", user), ("Password", "Demo-Passw0rd!"));
            }
        }
    }

    /// <summary>
    /// The role DigiUsher assumes (the connection guide's way): under a path, trusting DigiUsher's
    /// principal with the external id DigiUsher issued, allowed to read billing and resources. Answers its ARN.
    /// </summary>
    public async Task<string> CreateRoleAsync(string trustPolicy, CancellationToken cancellationToken)
    {
        using var signer = new AwsSignedHttpClientFactory();
        using var iam = signer.CreateClient(_setupCredentials, "us-east-1", "iam", new Uri(motoUrl + "/"));
        var created = await IamAsync(iam, cancellationToken, ("Action", "CreateRole"), ("RoleName", "reader"), ("Path", "/digiusher/"), ("AssumeRolePolicyDocument", trustPolicy));
        await IamAsync(iam, cancellationToken, ("Action", "PutRolePolicy"), ("RoleName", "reader"), ("PolicyName", "digiusher-read"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","cur:DescribeReportDefinitions","ec2:Describe*","iam:Get*","iam:List*","cloudwatch:GetMetricData"],"Resource":"*"}]}"""));
        return Between(created, "<Arn>", "</Arn>");
    }

    private async Task SeedEc2Async(string region, CancellationToken cancellationToken)
    {
        using var ec2 = new AmazonEC2Client(_setupCredentials, new AmazonEC2Config { ServiceURL = motoUrl, AuthenticationRegion = region });
        // scripts/dev starts moto without its ~3,700 default AMIs (their snapshots would all look
        // owned by the account); moto then accepts any image id.
        var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest(), cancellationToken)).Images?.FirstOrDefault()?.ImageId ?? "ami-12c6146b";
        var fleet = region == "us-east-1"
            ? new[] { ("web-1", "m5.large", "web", "alice@example.com", 0.096m), ("api-1", "c5.xlarge", "api", "bob@example.com", 0.17m), ("batch-1", "r5.large", "data", (string?)null, 0.126m), ("web-old", "t3.medium", "web", "alice@example.com", 0.0416m) }
            : new[] { ("api-eu-1", "m5.large", "api", (string?)"bob@example.com", 0.107m) };
        foreach (var (name, type, team, owner, rate) in fleet)
        {
            var tags = new List<Amazon.EC2.Model.Tag> { new("Name", name), new("team", team) };
            if (owner is not null)
            {
                tags.Add(new("owner", owner));
            }

            var run = await ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = image, InstanceType = type, MinCount = 1, MaxCount = 1,
                TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags }],
            }, cancellationToken);
            var instance = run.Reservation.Instances[0];
            Resources.Add(new SeededResource(instance.InstanceId, "instance", region, team, owner, rate, type));
            if (name == "web-old")
            {
                await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [instance.InstanceId] }, cancellationToken);
            }

            await PutCpuAsync(region, instance.InstanceId, name == "batch-1" ? 1.5 : 35.0, cancellationToken);
        }

        var attachedVolumes = await ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), cancellationToken);
        foreach (var volume in attachedVolumes.Volumes ?? [])
        {
            var instance = Resources.First(r => r.ResourceId == volume.Attachments![0].InstanceId);
            Resources.Add(new SeededResource(volume.VolumeId, "volume", region, instance.Team, instance.Owner, 0.08m * volume.Size!.Value / 730m, $"{volume.Size} GiB"));
        }

        if (region != "us-east-1")
        {
            return;
        }

        var orphan = await ec2.CreateVolumeAsync(new CreateVolumeRequest
        {
            AvailabilityZone = "us-east-1a", Size = 500, VolumeType = VolumeType.Gp3,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = [new("Name", "old-data"), new("team", "data")] }],
        }, cancellationToken);
        Resources.Add(new SeededResource(orphan.Volume.VolumeId, "volume", region, "data", null, 0.08m * 500 / 730m, "500 GiB"));

        var doomed = await ec2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = "us-east-1a", Size = 200 }, cancellationToken);
        var snapshot = await ec2.CreateSnapshotAsync(new CreateSnapshotRequest
        {
            VolumeId = doomed.Volume.VolumeId, Description = "before migration",
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [new("team", "data")] }],
        }, cancellationToken);
        await ec2.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = doomed.Volume.VolumeId }, cancellationToken);
        Resources.Add(new SeededResource(snapshot.Snapshot.SnapshotId, "snapshot", region, "data", null, 0.05m * 200 / 730m, "200 GiB"));

        var address = await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc }, cancellationToken);
        Resources.Add(new SeededResource(address.AllocationId, "elastic-ip", region, "web", null, 0.005m, address.PublicIp));
    }

    private async Task SeedS3Async(CancellationToken cancellationToken)
    {
        using var s3 = new AmazonS3Client(_setupCredentials, new AmazonS3Config { ServiceURL = motoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await s3.PutBucketAsync(CurBucket, cancellationToken);
        var logs = $"demo-public-logs-{Guid.NewGuid():N}"[..30];
        var assets = $"demo-assets-{Guid.NewGuid():N}"[..26];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = logs, CannedACL = S3CannedACL.PublicRead }, cancellationToken);
        await s3.PutBucketAsync(assets, cancellationToken);
        await s3.PutBucketTaggingAsync(new PutBucketTaggingRequest { BucketName = assets, TagSet = [new Amazon.S3.Model.Tag { Key = "team", Value = "web" }, new Amazon.S3.Model.Tag { Key = "owner", Value = "alice@example.com" }] }, cancellationToken);
        Resources.Add(new SeededResource(logs, "bucket", "us-east-1", "api", null, 0.023m * 800 / 730m, "800 GB"));
        Resources.Add(new SeededResource(assets, "bucket", "us-east-1", "web", "alice@example.com", 0.023m * 120 / 730m, "120 GB"));
    }

    private async Task PutCpuAsync(string region, string instanceId, double level, CancellationToken cancellationToken)
    {
        using var signer = new AwsSignedHttpClientFactory();
        using var monitoring = signer.CreateClient(_setupCredentials, region, "monitoring", new Uri(motoUrl + "/"));
        var today = DateTime.UtcNow.Date;
        for (var day = 14; day >= 1; day--)
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new("Action", "PutMetricData"), new("Version", "2010-08-01"), new("Namespace", "AWS/EC2"),
            };
            for (var n = 1; n <= 4; n++)
            {
                // Four samples a day around the instance's level; moto accepts past timestamps.
                var value = level + (n % 2 == 0 ? 0.5 : -0.5);
                var member = $"MetricData.member.{n}";
                fields.Add(new($"{member}.MetricName", "CPUUtilization"));
                fields.Add(new($"{member}.Dimensions.member.1.Name", "InstanceId"));
                fields.Add(new($"{member}.Dimensions.member.1.Value", instanceId));
                fields.Add(new($"{member}.Timestamp", today.AddDays(-day).AddHours(n * 5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
                fields.Add(new($"{member}.Value", value.ToString(CultureInfo.InvariantCulture)));
                fields.Add(new($"{member}.Unit", "Percent"));
            }

            using var body = new FormUrlEncodedContent(fields);
            using var response = await monitoring.PostAsync("", body, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<string> IamAsync(HttpClient iam, CancellationToken cancellationToken, params (string Key, string Value)[] fields)
    {
        using var body = new FormUrlEncodedContent(fields.Append(("Version", "2010-05-08")).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        using var response = await iam.PostAsync("", body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"IAM {fields[0].Value} failed: {text}");
        }

        return text;
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }
}
