using DigiUsher.Contracts;

namespace DigiUsher.CurPoller.Tests;

public class DataExportManifestTests
{
    [Fact]
    public async Task Poll_WhenDataExportCreatesNewExecutionsWithAManifest_PublishesWhatTheManifestNamesOnceItNamesIt()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("cur2man")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        // Create-new mode: every refresh writes an execution folder, and then rewrites the period's one
        // manifest under metadata/ to name its files; the manifest comes only after all data files
        // (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html).
        var first = await WriteExecutionAsync(bucket, period, "2026-01-02T03:00:00.000Z-3695a728-d559-40bd-ac30-ffc97b552489", files: 2);
        var manifestKey = $"billing/cur2/metadata/BILLING_PERIOD={period}/cur2-Manifest.json";
        await bucket.PutAsync(manifestKey, bucket.ExportManifest("3695a728-d559-40bd-ac30-ffc97b552489", period, first));

        var connected = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "billing");
        var second = await WriteExecutionAsync(bucket, period, "2026-01-03T03:00:00.000Z-5f1c0b7e-8f0e-4f7e-9f55-0a4c1b2d3e4f", files: 3);
        var beforeManifest = await harness.PollAsync(organization, dataSource);
        await bucket.PutAsync(manifestKey, bucket.ExportManifest("5f1c0b7e-8f0e-4f7e-9f55-0a4c1b2d3e4f", period, second));
        var afterManifest = await harness.PollAsync(organization, dataSource);
        var again = await harness.PollAsync(organization, dataSource);

        var (_, published) = Assert.Single(connected.Available);
        Assert.Equal(ReportFormat.Cur2CsvGzip, published.Format);
        Assert.Equal("cur2", published.ReportName);
        Assert.Equal(period.ToString(), published.BillingPeriod);
        Assert.Equal(manifestKey, published.ManifestKey);
        Assert.Equal(first, published.ReportKeys.Select(k => k.Key));
        Assert.Equal(0, beforeManifest.Completed.DeliveriesPublished);
        Assert.Equal(1, afterManifest.Completed.DeliveriesPublished);
        Assert.Equal(0, again.Completed.DeliveriesPublished);
        var refreshed = afterManifest.Available[1].Message;
        Assert.Equal(second, refreshed.ReportKeys.Select(k => k.Key));
        Assert.NotEqual(published.DeliveryId, refreshed.DeliveryId);
        Assert.Equal(2, again.Available.Count);
    }

    private static async Task<IReadOnlyList<string>> WriteExecutionAsync(ReportBucketWriter bucket, DigiUsher.Cur.BillingPeriod period, string execution, int files)
    {
        var keys = Enumerable.Range(1, files).Select(n => $"billing/cur2/data/BILLING_PERIOD={period}/{execution}/cur2-{n:D5}.csv.gz").ToList();
        foreach (var key in keys)
        {
            await bucket.PutAsync(key, $"data of {execution} {key}");
        }

        return keys;
    }
}
