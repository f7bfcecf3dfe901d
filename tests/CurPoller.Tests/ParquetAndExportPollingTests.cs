using DigiUsher.Contracts;

namespace DigiUsher.CurPoller.Tests;

public class ParquetAndExportPollingTests
{
    [Fact]
    public async Task Poll_WhenLegacyParquetPartitionIsRewritten_PublishesTheNewFileSetOnceAndWaitsWhileAwsIsUpdating()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("parquet")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        // A month before October, so AWS writes it as month=9-style (no leading zero).
        var period = Enumerable.Range(0, 12).Select(ReportBucketWriter.MonthsAgo).First(p => p.Month < 10);
        var keys = await bucket.WriteParquetPartitionAsync("athena", "pq", period, "v1", files: 2);
        await bucket.WriteDataStatusAsync("athena", "pq", "READY");

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "athena");
        var again = await harness.PollAsync(organization, dataSource);
        await bucket.WriteDataStatusAsync("athena", "pq", "UPDATING");
        await bucket.PutAsync(keys[0], "v2 rewritten in place");
        var updating = await harness.PollAsync(organization, dataSource);
        await bucket.WriteDataStatusAsync("athena", "pq", "READY");
        var ready = await harness.PollAsync(organization, dataSource);

        var (_, published) = Assert.Single(first.Available);
        Assert.Equal(ReportFormat.Parquet, published.Format);
        Assert.Equal("pq", published.ReportName);
        Assert.Equal(period.ToString(), published.BillingPeriod);
        Assert.Null(published.ManifestKey);
        Assert.Equal(keys, published.ReportKeys.Select(k => k.Key));
        Assert.Contains($"/year={period.Year}/month={period.Month}/", keys[0]);
        Assert.Equal(64, published.DeliveryId.Length);
        Assert.Equal(0, again.Completed.DeliveriesPublished);
        Assert.Equal(0, updating.Completed.DeliveriesPublished);
        Assert.Equal(1, ready.Completed.DeliveriesPublished);
        var rewritten = ready.Available[1].Message;
        Assert.NotEqual(published.DeliveryId, rewritten.DeliveryId);
        Assert.NotEqual(published.ReportKeys[0].ETag, rewritten.ReportKeys[0].ETag);
        Assert.Equal(published.ReportKeys[1].ETag, rewritten.ReportKeys[1].ETag);
    }

    [Fact]
    public async Task Poll_WhenDataExportOverwritesWithAManifest_PublishesEachConsistentRefreshOnce()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("cur2over")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        var keys = await bucket.WriteExportOverwriteAsync("exports", "cur2", period, "refresh-1", files: 2);

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "exports", "cur2");
        var again = await harness.PollAsync(organization, dataSource);
        // The refresh replaces the first file; the manifest is rewritten last.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await bucket.PutAsync(keys[0], "refresh-2 first file");
        var midWrite = await harness.PollAsync(organization, dataSource);
        await bucket.WriteExportOverwriteAsync("exports", "cur2", period, "refresh-2", files: 2);
        var refreshed = await harness.PollAsync(organization, dataSource);

        var (_, published) = Assert.Single(first.Available);
        Assert.Equal(ReportFormat.Cur2Parquet, published.Format);
        Assert.Equal($"exports/cur2/metadata/BILLING_PERIOD={period}/cur2-Manifest.json", published.ManifestKey);
        Assert.Equal(keys, published.ReportKeys.Select(k => k.Key));
        Assert.Equal(0, again.Completed.DeliveriesPublished);
        Assert.Equal(0, midWrite.Completed.DeliveriesPublished);
        Assert.Equal(1, refreshed.Completed.DeliveriesPublished);
        Assert.NotEqual(published.DeliveryId, refreshed.Available[1].Message.DeliveryId);
    }

    [Fact]
    public async Task Poll_WhenDataExportCreatesNewExecutionFolders_PublishesTheNewestExecutionOnly()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("cur2new")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(1);
        await bucket.WriteExportExecutionAsync("", "focus", period, new DateTime(2026, 1, 2, 3, 0, 0, DateTimeKind.Utc));
        var newest = await bucket.WriteExportExecutionAsync("", "focus", period, new DateTime(2026, 1, 3, 3, 0, 0, DateTimeKind.Utc), files: 2);

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");
        var again = await harness.PollAsync(organization, dataSource);
        var later = await bucket.WriteExportExecutionAsync("", "focus", period, new DateTime(2026, 1, 4, 3, 0, 0, DateTimeKind.Utc));
        var refreshed = await harness.PollAsync(organization, dataSource);

        var (_, published) = Assert.Single(first.Available);
        Assert.Equal(ReportFormat.Cur2CsvGzip, published.Format);
        Assert.Equal(newest, published.ReportKeys.Select(k => k.Key));
        Assert.Equal(0, again.Completed.DeliveriesPublished);
        Assert.Equal(later, Assert.Single(refreshed.Available.Skip(1)).Message.ReportKeys.Select(k => k.Key));
    }

    [Fact]
    public async Task Poll_WhenAPeriodHas1500Files_FindsEveryOne()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("many")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        var keys = await bucket.WriteExportOverwriteAsync("big", "cur2", period, "x", files: 1500, manifest: false);

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "big");

        var (_, published) = Assert.Single(first.Available);
        Assert.Equal(1500, published.ReportKeys.Count);
        Assert.Equal(keys.Order(StringComparer.Ordinal), published.ReportKeys.Select(k => k.Key));
        Assert.Equal(1500, published.ReportKeys.Select(k => k.Key).Distinct().Count());
    }
}
