using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Contracts;
using DigiUsher.Cur;
using DigiUsher.Cur.Writing;
using DigiUsher.Testing;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// Hostile manifests in a data source's bucket, found by the real CurPoller (connected through the real
/// DataSource, which answers the credential requests) and never handed to the real CurParser: one
/// failure naming the key or the foreign bucket, visible on the data source's status, nothing imported,
/// the previous delivery current, and nothing announced or reported again on later polls.
/// </summary>
public sealed class HostileManifestTests(HostileManifestTests.Stack stack) : IClassFixture<HostileManifestTests.Stack>
{
    private const string Report = "cur";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly string Period = DateTime.UtcNow.AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Poll_WhenTheManifestListsAMissingKey_ReportsTheKeyOnceImportsNothingAndKeepsThePreviousDelivery()
    {
        var h = stack.Harness;
        var (org, tenant, prefix) = await ConnectWithGoodDeliveryAsync();
        using var signedIn = org;
        var present = await CurBucket.PutDataFileAsync(h.S3, h.Bucket, prefix, Report, Period, "missing-key", 1, new CurCsv(Period).AddRows(10).Gzip());
        var missing = CurBucket.DataKey(prefix, Report, Period, "missing-key", 2);
        await CurBucket.PutManifestAsync(h.S3, h.Bucket, prefix, Report, Period, "missing-key", [present, missing]);

        var failed = await RejectionAsync(org, tenant, "missing-key");

        Assert.Equal(missing, failed.File);
        Assert.Contains(missing, failed.Reason, StringComparison.Ordinal);
        Assert.Contains("not imported", failed.Reason, StringComparison.Ordinal);
        await AssertBoundedAndNothingLandedAsync(org, tenant, "missing-key", missing);
    }

    [Fact]
    public async Task Poll_WhenTheManifestListsKeysInAnotherBucket_ReportsTheBucketOnceImportsNothingAndKeepsThePreviousDelivery()
    {
        var h = stack.Harness;
        var (org, tenant, prefix) = await ConnectWithGoodDeliveryAsync();
        using var signedIn = org;
        // A real, readable report in a bucket the data source does not name: it must not be read.
        var otherBucket = $"rel-other-{Guid.NewGuid():N}"[..30];
        await h.S3.PutBucketAsync(new PutBucketRequest { BucketName = otherBucket });
        var elsewhere = await CurBucket.PutDataFileAsync(h.S3, otherBucket, prefix, Report, Period, "other-bucket", 1, new CurCsv(Period).AddRows(10).Gzip());
        var named = $"s3://{otherBucket}/{elsewhere}";
        await CurBucket.PutManifestAsync(h.S3, h.Bucket, prefix, Report, Period, "other-bucket", [named]);

        var failed = await RejectionAsync(org, tenant, "other-bucket");

        Assert.Equal(named, failed.File);
        Assert.Contains($"'{otherBucket}'", failed.Reason, StringComparison.Ordinal);
        Assert.Contains($"'{h.Bucket}'", failed.Reason, StringComparison.Ordinal);
        await AssertBoundedAndNothingLandedAsync(org, tenant, "other-bucket", named);
    }

    /// <summary>CUR 2.0 (Data Exports, overwrite): the manifest's <c>dataFiles</c> are s3:// URIs, so they can name any bucket.</summary>
    [Fact]
    public async Task Poll_WhenADataExportManifestListsFilesInAnotherBucket_ReportsTheBucketOnceImportsNothingAndKeepsThePreviousDelivery()
    {
        const string export = "cur2";
        var h = stack.Harness;
        var prefix = $"x{Guid.NewGuid():N}"[..12];
        var dataKey = $"{prefix}/{export}/data/BILLING_PERIOD={Period}/{export}-00001.csv.gz";
        var manifestKey = $"{prefix}/{export}/metadata/BILLING_PERIOD={Period}/{export}-Manifest.json";
        var (good, total) = Cur2Csv(40);
        await h.S3.PutObjectAsync(new PutObjectRequest { BucketName = h.Bucket, Key = dataKey, InputStream = new MemoryStream(good) });
        await h.S3.PutObjectAsync(new PutObjectRequest { BucketName = h.Bucket, Key = manifestKey, ContentBody = ExportManifest($"s3://{h.Bucket}/{dataKey}") });
        using var org = await DataSourceApi.RegisterAsync(stack.DataSource);
        var tenant = new Tenant(org.OrganizationId, await org.ConnectAsync(h.Bucket, prefix, "AKIARELIABILITY00003", "moto-accepts-any-secret-key-0123456789ab"));
        var previous = await Eventually.Get(() => h.CurrentAsync(tenant.DataSourceId, Period), Timeout, "the export's first delivery to become current");
        Assert.Equal((total, 40L), await h.CurrentLineItemsAsync(tenant.DataSourceId, Period));

        var otherBucket = $"rel-other-{Guid.NewGuid():N}"[..30];
        await h.S3.PutBucketAsync(new PutBucketRequest { BucketName = otherBucket });
        // A key the data source's bucket does not hold: not a replica of it (a replica's manifest names
        // the source bucket at keys the data source's bucket has, and is imported from there).
        var foreignKey = dataKey.Replace("-00001.", "-00002.", StringComparison.Ordinal);
        await h.S3.PutObjectAsync(new PutObjectRequest { BucketName = otherBucket, Key = foreignKey, InputStream = new MemoryStream(Cur2Csv(7).Gzip) });
        var named = $"s3://{otherBucket}/{foreignKey}";
        await h.S3.PutObjectAsync(new PutObjectRequest { BucketName = h.Bucket, Key = manifestKey, ContentBody = ExportManifest(named) });

        var failed = await RejectionAsync(org, tenant, null);

        Assert.Equal(named, failed.File);
        Assert.Contains($"'{otherBucket}'", failed.Reason, StringComparison.Ordinal);
        await AssertBoundedAndNothingLandedAsync(org, tenant, failed.DeliveryId, named, previous.DeliveryId, 40);
    }

    private static (byte[] Gzip, decimal Total) Cur2Csv(int rows)
    {
        var start = DateTime.ParseExact(Period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        string[] header =
        [
            "identity_line_item_id", "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
            "line_item_product_code", "line_item_unblended_cost", "line_item_currency_code",
        ];
        var costs = Enumerable.Range(1, rows).Select(i => i * 0.0125m).ToList();
        var gzip = CurCsvWriter.GzipBytes(header, costs.Select((cost, i) => (IReadOnlyList<string>)
        [
            $"li{i + 1}", "444455556666", "Usage", Iso(start.AddHours(i + 1)), Iso(start.AddHours(i + 2)), "AmazonEC2", cost.ToString(CultureInfo.InvariantCulture), "USD",
        ]));
        return (gzip, costs.Sum());

        static string Iso(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    private static string ExportManifest(params string[] dataFiles) =>
        JsonSerializer.Serialize(new
        {
            executionId = Guid.NewGuid().ToString(),
            exportArn = "arn:aws:bcm-data-exports:us-east-1:111122223333:export/cur2",
            billingPeriod = new { start = $"{Period}-01T00:00:00.000Z" },
            columns = new[] { new { name = "line_item_unblended_cost", type = "decimal" } },
            dataFiles,
        });

    private async Task<(DataSourceApi Org, Tenant Tenant, string Prefix)> ConnectWithGoodDeliveryAsync()
    {
        var h = stack.Harness;
        var prefix = $"m{Guid.NewGuid():N}"[..12];
        var good = new CurCsv(Period).AddRows(50);
        var key = await CurBucket.PutDataFileAsync(h.S3, h.Bucket, prefix, Report, Period, "good", 1, good.Gzip());
        await CurBucket.PutManifestAsync(h.S3, h.Bucket, prefix, Report, Period, "good", [key]);
        var org = await DataSourceApi.RegisterAsync(stack.DataSource);
        var dataSourceId = await org.ConnectAsync(h.Bucket, prefix, "AKIARELIABILITY00002", "moto-accepts-any-secret-key-0123456789ab");
        var tenant = new Tenant(org.OrganizationId, dataSourceId);
        await Eventually.True(async () => (await h.CurrentAsync(dataSourceId, Period))?.DeliveryId == "good", Timeout, "the good delivery to become current");
        Assert.Equal((good.Unblended, 50L), await h.CurrentLineItemsAsync(dataSourceId, Period));
        return (org, tenant, prefix);
    }

    /// <summary>Polls until the poller reports the delivery as failed (a missing key only after the settle time).</summary>
    private async Task<ReportImportFailed> RejectionAsync(DataSourceApi org, Tenant tenant, string? deliveryId)
    {
        var h = stack.Harness;
        try
        {
            return await Eventually.Get(async () =>
            {
                await PollOnceAsync(org, tenant);
                return h.Events.Of<ReportImportFailed>(tenant.DataSourceId).FirstOrDefault(f => deliveryId is null || f.DeliveryId == deliveryId);
            }, Timeout, $"the poller to report {deliveryId ?? "the delivery"} as not importable");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{string.Join('\n', h.LogLines.TakeLast(20))}", ex);
        }
    }

    private async Task AssertBoundedAndNothingLandedAsync(DataSourceApi org, Tenant tenant, string deliveryId, string file, string previous = "good", long previousRows = 50)
    {
        var h = stack.Harness;
        // Two more polls: the rejection is remembered, not announced or reported again.
        await PollOnceAsync(org, tenant);
        await PollOnceAsync(org, tenant);
        var failure = Assert.Single(h.Events.Of<ReportImportFailed>(tenant.DataSourceId), f => f.DeliveryId == deliveryId);
        Assert.False(failure.Transient);
        Assert.DoesNotContain(h.Events.Of<ReportAvailable>(tenant.DataSourceId), a => a.DeliveryId == deliveryId);
        Assert.Single(h.Events.Of<ReportAvailable>(tenant.DataSourceId));
        Assert.Empty(await h.ImportsOfDeliveryAsync(tenant.DataSourceId, deliveryId));
        Assert.Equal(0, await h.RowsOfDeliveryAsync(tenant.DataSourceId, deliveryId));
        Assert.Equal(previous, (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId);
        Assert.Equal(previousRows, (await h.CurrentLineItemsAsync(tenant.DataSourceId, Period)).Rows);
        Assert.Empty(h.Events.Of<ReportPollFailed>(tenant.DataSourceId));

        // The data source's status (what its owner sees) names the problem; the good delivery stays current.
        var status = await Eventually.Get(async () =>
        {
            var body = await org.StatusAsync(tenant.DataSourceId);
            return body.GetProperty("imports").EnumerateArray().SelectMany(p => p.GetProperty("deliveries").EnumerateArray())
                .Any(d => d.GetProperty("deliveryId").GetString() == deliveryId) ? (object)body : null;
        }, Timeout, $"the status to show {deliveryId}");
        var month = ((JsonElement)status).GetProperty("imports").EnumerateArray().Single(p => p.GetProperty("billingPeriod").GetString() == Period);
        Assert.Equal(previous, month.GetProperty("currentDeliveryId").GetString());
        var shown = month.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("deliveryId").GetString() == deliveryId);
        Assert.Equal("failed", shown.GetProperty("state").GetString());
        Assert.Equal(file, shown.GetProperty("error").GetProperty("file").GetString());
        Assert.Contains("not imported", shown.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);

        await Eventually.True(h.QueueDrainedAsync, Timeout, "the report-available queue to drain");
        Assert.Equal(0, await h.ErrorMessagesAsync());
    }

    /// <summary>Asks for a poll through DataSource's API and waits for the poller's outcome of it.</summary>
    private async Task PollOnceAsync(DataSourceApi org, Tenant tenant)
    {
        var h = stack.Harness;
        int Polls() => h.Events.Of<ReportPollCompleted>(tenant.DataSourceId).Count + h.Events.Of<ReportPollFailed>(tenant.DataSourceId).Count;
        var before = Polls();
        await org.RequestPollAsync(tenant.DataSourceId);
        await Eventually.True(() => Task.FromResult(Polls() > before), Timeout, "the requested poll");
    }

    /// <summary>DataSource (answering GetAwsCredentials for real), CurPoller and CurParser on one database and virtual host.</summary>
    public sealed class Stack : IAsyncLifetime
    {
        public ParserHarness Harness { get; private set; } = null!;

        public ServiceProcess DataSource { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Harness = await ParserHarness.StartAsync(answerCredentials: false);
            var dataSource = Harness.StartServiceAsync("DataSource");
            await Harness.StartServiceAsync("CurPoller", new Dictionary<string, string>
            {
                // No CUR API on moto: a closed port makes the poller scan the bucket at once.
                ["Aws__CurServiceUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
                ["CurPoller__SchedulerTick"] = "00:00:01",
                // A missing key is "not yet" for this long after its manifest was written, then a failure.
                ["CurPoller__OverwriteSettleTime"] = "00:00:04",
            });
            DataSource = await dataSource;
        }

        public async Task DisposeAsync()
        {
            if (Harness is not null)
            {
                await Harness.DisposeAsync();
            }
        }
    }
}

/// <summary>A legacy CUR (CSV, create-new versioning) written the way AWS lays it out in S3.</summary>
public static class CurBucket
{
    public static LegacyDelivery Delivery(string prefix, string report, string period, string assemblyId) =>
        new(prefix, report, BillingPeriod.TryParse(period, out var parsed) ? parsed : throw new ArgumentException($"not a billing period: {period}", nameof(period)), assemblyId);

    public static string DataKey(string prefix, string report, string period, string assemblyId, int n) => Delivery(prefix, report, period, assemblyId).DataKey(n);

    public static async Task<string> PutDataFileAsync(IAmazonS3 s3, string bucket, string prefix, string report, string period, string assemblyId, int n, byte[] gzip)
    {
        var key = DataKey(prefix, report, period, assemblyId, n);
        using var stream = new MemoryStream(gzip);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream });
        return key;
    }

    /// <summary>The assembly's manifest and the period manifest (written last, as AWS does: it names the current delivery).</summary>
    public static async Task PutManifestAsync(IAmazonS3 s3, string bucket, string prefix, string report, string period, string assemblyId, IReadOnlyList<string> reportKeys)
    {
        var delivery = Delivery(prefix, report, period, assemblyId);
        var manifest = delivery.Manifest("111122223333", bucket, ["lineItem/UnblendedCost"], reportKeys);
        foreach (var key in delivery.ManifestKeys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = manifest });
        }
    }
}
