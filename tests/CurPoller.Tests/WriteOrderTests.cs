using DigiUsher.Contracts;
using DigiUsher.Cur;
using DigiUsher.Cur.Layout;
using DigiUsher.Testing;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// Deliveries whose files live in a folder of their own (legacy create-new assemblies, CSV or
/// Parquet; CUR 2.0 create-new executions) are published on the first poll after every key the
/// manifest names exists, whichever was written first. The harness keeps the 30-minute settle time,
/// so a publication within the test proves nothing waited for it.
/// </summary>
public class WriteOrderTests
{
    public enum Layout
    {
        LegacyCsvAssembly,
        LegacyParquetAssembly,
        DataExportExecution,
    }

    [Theory]
    [InlineData(Layout.LegacyCsvAssembly)]
    [InlineData(Layout.LegacyParquetAssembly)]
    [InlineData(Layout.DataExportExecution)]
    public async Task Poll_WhenTheManifestIsWrittenBeforeOrAfterItsOwnFolder_PublishesOnTheFirstPollAfterEveryKeyExists(Layout layout)
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("order")).CreateBucketAsync();
        var organization = Guid.NewGuid();
        var period = ReportBucketWriter.MonthsAgo(0);
        var (manifestFirst, filesFirst) = (Guid.NewGuid(), Guid.NewGuid());

        // Files first, then the manifest: the order AWS writes in.
        var filesFirstDelivery = Delivery.Of(layout, bucket, "files-first", period, "1");
        await filesFirstDelivery.WriteFilesAsync(bucket);
        await S3SecondPassesAsync();
        await filesFirstDelivery.WriteManifestAsync(bucket);
        var filesFirstPoll = await harness.ConnectAsync(organization, filesFirst, bucket.Bucket, "files-first");

        // Manifest first, then the files (aws s3 sync): a month already imported, then its next version.
        var previous = Delivery.Of(layout, bucket, "manifest-first", period, "1");
        await previous.WriteFilesAsync(bucket);
        await previous.WriteManifestAsync(bucket);
        await harness.ConnectAsync(organization, manifestFirst, bucket.Bucket, "manifest-first");
        var next = Delivery.Of(layout, bucket, "manifest-first", period, "2");
        await next.WriteManifestAsync(bucket);
        var beforeFiles = await harness.PollAsync(organization, manifestFirst);
        await S3SecondPassesAsync();
        await next.WriteFilesAsync(bucket);
        var afterFiles = await harness.PollAsync(organization, manifestFirst);

        var (_, published) = Assert.Single(filesFirstPoll.Available);
        Assert.Equal(filesFirstDelivery.Keys, published.ReportKeys.Select(k => k.Key));
        Assert.Equal(filesFirstDelivery.Format, published.Format);
        Assert.Equal(0, beforeFiles.Completed.DeliveriesPublished);
        Assert.Equal(1, afterFiles.Completed.DeliveriesPublished);
        Assert.Equal(2, afterFiles.Available.Count);
        Assert.Equal(next.Keys, afterFiles.Available[1].Message.ReportKeys.Select(k => k.Key));
        Assert.Equal(next.Format, afterFiles.Available[1].Message.Format);
    }

    [Fact]
    public async Task Poll_WhenAReplicatedManifestNamesTheSourceBucket_PublishesTheDataSourcesCopyAndRefusesAManifestPointingElsewhere()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var replica = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("replica")).CreateBucketAsync();
        var organization = Guid.NewGuid();
        var (replicated, pointingElsewhere) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        // S3 replication copies AWS's objects byte for byte: the manifests still name the source bucket.
        var legacyKeys = new[] { $"legacy/hourly/{CurKeys.PeriodFolder(period)}/a1/hourly-1.csv.gz" };
        await replica.PutAsync(legacyKeys[0], "data");
        var legacyManifest = ReportBucketWriter.LegacyManifest("a1", "hourly", period, [.. legacyKeys.Select(k => $"s3://billing-source/{k}")], "GZIP");
        await replica.PutAsync($"legacy/hourly/{CurKeys.PeriodFolder(period)}/hourly-Manifest.json", legacyManifest);
        var exportKeys = new[] { $"exports/cur2/data/BILLING_PERIOD={period}/cur2-00001.csv.gz" };
        await replica.PutAsync(exportKeys[0], "data");
        await replica.PutAsync(
            $"exports/cur2/metadata/BILLING_PERIOD={period}/cur2-Manifest.json",
            replica.ExportManifest("e1", period, [$"exports/cur2/data/BILLING_PERIOD={period}/cur2-00009.csv.gz"], bucket: "billing-source"));

        var legacy = await harness.ConnectAsync(organization, replicated, replica.Bucket, "legacy");
        var export = await harness.ConnectAsync(organization, pointingElsewhere, replica.Bucket, "exports");

        var (_, published) = Assert.Single(legacy.Available);
        Assert.Equal(replica.Bucket, published.Bucket);
        Assert.Equal(legacyKeys, published.ReportKeys.Select(k => k.Key));
        Assert.Empty(export.Available);
        var refused = await Eventually.Get(
            () => Task.FromResult(harness.Recorded.Of<ReportImportFailed>(pointingElsewhere).FirstOrDefault()),
            TimeSpan.FromSeconds(60),
            "the refusal of the manifest naming another bucket");
        Assert.Contains("'billing-source'", refused.Reason, StringComparison.Ordinal);
    }

    /// <summary>S3's LastModified has whole seconds: wait so a later object is also a newer one.</summary>
    private static Task S3SecondPassesAsync() => Task.Delay(TimeSpan.FromSeconds(1.1));

    private sealed record Delivery(IReadOnlyList<string> Keys, string ManifestKey, string Manifest, string? AssemblyManifestKey, ReportFormat Format)
    {
        public static Delivery Of(Layout layout, ReportBucketWriter bucket, string prefix, BillingPeriod period, string version)
        {
            if (layout == Layout.DataExportExecution)
            {
                var execution = $"2026-01-0{version}T03:00:00.000Z-3695a728-d559-40bd-ac30-ffc97b55248{version}";
                var keys = Enumerable.Range(1, 2).Select(n => $"{prefix}/cur2/data/BILLING_PERIOD={period}/{execution}/cur2-{n:D5}.snappy.parquet").ToList();
                return new Delivery(keys, $"{prefix}/cur2/metadata/BILLING_PERIOD={period}/cur2-Manifest.json", bucket.ExportManifest(execution, period, keys), null, ReportFormat.Cur2Parquet);
            }

            var parquet = layout == Layout.LegacyParquetAssembly;
            var folder = $"{prefix}/hourly/{CurKeys.PeriodFolder(period)}/";
            var assembly = $"11111111-aaaa-4bbb-8ccc-00000000000{version}";
            var files = Enumerable.Range(1, 2).Select(n => parquet ? $"{folder}{assembly}/hourly-{n:D5}.snappy.parquet" : $"{folder}{assembly}/hourly-{n}.csv.gz").ToList();
            var manifest = ReportBucketWriter.LegacyManifest(assembly, "hourly", period, files, parquet ? "Parquet" : "GZIP");
            return new Delivery(files, $"{folder}hourly-Manifest.json", manifest, $"{folder}{assembly}/hourly-Manifest.json", parquet ? ReportFormat.Parquet : ReportFormat.CsvGzip);
        }

        public async Task WriteFilesAsync(ReportBucketWriter bucket)
        {
            foreach (var key in Keys)
            {
                await bucket.PutAsync(key, $"data {key}");
            }

            if (AssemblyManifestKey is not null)
            {
                await bucket.PutAsync(AssemblyManifestKey, Manifest);
            }
        }

        public Task WriteManifestAsync(ReportBucketWriter bucket) => bucket.PutAsync(ManifestKey, Manifest);
    }
}
