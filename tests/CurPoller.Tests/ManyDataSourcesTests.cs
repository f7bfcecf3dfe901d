using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;
using DigiUsher.Aws.Signing;
using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.CurPoller.Tests;

public class ManyDataSourcesTests
{
    private const int DataSources = 200;

    // moto 5.2.1 rejects the signature of every ListObjectsV2 with a Prefix containing '/' once it
    // enforces IAM (boto3 fails the same way), so S3-level denial cannot be staged there. The denied
    // data source is denied where DataSource denies it: its role cannot be assumed.
    [Fact]
    public async Task PollCycle_When200DataSourcesAndOneIsDenied_PublishesAllOthersAndReportsTheDenial()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("many-ds")).CreateBucketAsync();
        var organization = Guid.NewGuid();
        var sources = Enumerable.Range(0, DataSources).Select(i => (Id: Guid.NewGuid(), Prefix: $"tenant-{i:D3}")).ToList();
        var deniedSource = sources[137].Id;
        harness.Credentials.Unavailable[deniedSource] = "AccessDenied on sts:AssumeRole for arn:aws:iam::123456789012:role/digiusher-reader: fix the role's trust policy.";
        var period = ReportBucketWriter.MonthsAgo(0);
        await Parallel.ForEachAsync(sources, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (source, _) =>
            await bucket.WriteCsvOverwriteAsync(source.Prefix, "cur", period, $"assembly-{source.Prefix}", files: 1));

        foreach (var (id, prefix) in sources)
        {
            await harness.Bus.Publish(new DataSourceConnected(organization, id, $"connected:{id}", PollerHarness.Settings(bucket.Bucket, prefix), DateTimeOffset.UtcNow));
        }

        await Eventually.True(
            () => Task.FromResult(sources.All(s => harness.Recorded.PollsOf(s.Id).Count > 0)),
            TimeSpan.FromSeconds(240),
            "one poll of every data source");
        var failures = sources.Select(s => harness.Recorded.PollsOf(s.Id)[0]).OfType<ReportPollFailed>().ToList();
        Assert.True(failures.Count == 1, $"{failures.Count} polls failed: {string.Join(" | ", failures.Select(f => f.Reason).Distinct())}");
        await Eventually.True(
            () => Task.FromResult(harness.Recorded.All.OfType<ReportAvailable>().Count() >= DataSources - 1),
            TimeSpan.FromSeconds(120),
            "a ReportAvailable of every allowed data source");

        var failure = Assert.IsType<ReportPollFailed>(Assert.Single(harness.Recorded.PollsOf(deniedSource)));
        Assert.Contains("AccessDenied on sts:AssumeRole", failure.Reason);
        Assert.Empty(harness.Recorded.AvailableFor(deniedSource));
        foreach (var (id, prefix) in sources.Where(s => s.Id != deniedSource))
        {
            Assert.Equal(1, Assert.IsType<ReportPollCompleted>(Assert.Single(harness.Recorded.PollsOf(id))).DeliveriesPublished);
            var (_, available) = Assert.Single(harness.Recorded.AvailableFor(id));
            Assert.Equal($"assembly-{prefix}", available.DeliveryId);
            Assert.StartsWith($"{prefix}/cur/{Cur.Layout.CurKeys.PeriodFolder(period)}/", Assert.Single(available.ReportKeys).Key);
        }
    }

    [Fact]
    public async Task Poll_WhenMotoEnforcesIamAndTheKeysMayNotUseS3_ReportsAccessDeniedOnListBucket()
    {
        // Listing without a prefix is the one S3 listing moto signs correctly under IAM enforcement.
        await using var moto = await MotoServer.StartAsync(freeRequests: 5);
        var (allowed, denied) = await CreateUsersAsync(moto.Url);
        await using var harness = await PollerHarness.StartAsync(moto.Url);
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("denied"), moto.Url, allowed.AccessKeyId, allowed.Secret).CreateBucketAsync();
        await bucket.WriteCsvOverwriteAsync("", "cur", ReportBucketWriter.MonthsAgo(0), "assembly-1", files: 1);
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        harness.Credentials.Keys[dataSource] = denied;

        var outcome = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");

        Assert.Equal("s3:ListBucket", outcome.Failed.DeniedAction);
        Assert.Contains("AccessDenied on s3:ListBucket", outcome.Failed.Reason);
        Assert.Contains(bucket.Bucket, outcome.Failed.Reason);
    }

    private static async Task<((string AccessKeyId, string Secret) Allowed, (string AccessKeyId, string Secret) Denied)> CreateUsersAsync(string motoUrl)
    {
        using var signed = new AwsSignedHttpClientFactory();
        using var iam = signed.CreateClient(new BasicAWSCredentials("bootstrap", "bootstrap"), "us-east-1", "iam", new Uri(motoUrl.TrimEnd('/') + "/"));
        var policy = JsonSerializer.Serialize(new
        {
            Version = "2012-10-17",
            Statement = new[] { new { Effect = "Allow", Action = "s3:*", Resource = "*" } },
        });
        await IamAsync(iam, ("Action", "CreateUser"), ("UserName", "poller"));
        var allowed = await CreateKeyAsync(iam, "poller");
        await IamAsync(iam, ("Action", "PutUserPolicy"), ("UserName", "poller"), ("PolicyName", "s3"), ("PolicyDocument", policy));
        await IamAsync(iam, ("Action", "CreateUser"), ("UserName", "no-s3"));
        var denied = await CreateKeyAsync(iam, "no-s3");
        return (allowed, denied);
    }

    private static async Task<(string AccessKeyId, string Secret)> CreateKeyAsync(HttpClient iam, string user)
    {
        var response = await IamAsync(iam, ("Action", "CreateAccessKey"), ("UserName", user));
        string Value(string name) => response.Descendants().First(e => e.Name.LocalName == name).Value;
        return (Value("AccessKeyId"), Value("SecretAccessKey"));
    }

    private static async Task<XDocument> IamAsync(HttpClient iam, params (string Name, string Value)[] parameters)
    {
        using var content = new FormUrlEncodedContent([.. parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)), KeyValuePair.Create("Version", "2010-05-08")]);
        using var response = await iam.PostAsync("", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return XDocument.Parse(body);
    }
}
