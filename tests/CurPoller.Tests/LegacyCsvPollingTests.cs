using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;

namespace DigiUsher.CurPoller.Tests;

public class LegacyCsvPollingTests
{
    [Fact]
    public async Task Poll_WhenCreateNewAssembliesAppear_PublishesEachOnceWithADeterministicMessageId()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("csvnew")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        var keys = await bucket.WriteCsvAssemblyAsync("billing/cur", "hourly", period, "11111111-aaaa-4bbb-8ccc-000000000001");

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "/billing/cur/");
        var again = await harness.PollAsync(organization, dataSource);
        await bucket.WriteCsvAssemblyAsync("billing/cur", "hourly", period, "11111111-aaaa-4bbb-8ccc-000000000002", files: 3);
        var rewritten = await harness.PollAsync(organization, dataSource);

        Assert.Equal(1, first.Completed.DeliveriesPublished);
        Assert.Equal("hourly", first.Completed.ReportName);
        Assert.Equal("11111111-aaaa-4bbb-8ccc-000000000001", first.Completed.LatestDeliveryId);
        var (messageId, available) = Assert.Single(first.Available);
        Assert.Equal(organization, available.OrganizationId);
        Assert.Equal(period.ToString(), available.BillingPeriod);
        Assert.Equal(ReportFormat.CsvGzip, available.Format);
        Assert.Equal("hourly", available.ReportName);
        Assert.Equal(bucket.Bucket, available.Bucket);
        Assert.Equal("us-east-1", available.Region);
        Assert.Equal($"billing/cur/hourly/{Cur.Layout.CurKeys.PeriodFolder(period)}/hourly-Manifest.json", available.ManifestKey);
        Assert.Equal(keys, available.ReportKeys.Select(k => k.Key));
        Assert.All(available.ReportKeys, k => Assert.True(k.Size > 0 && k.ETag.Length == 32 && !k.ETag.Contains('"')));
        Assert.Equal($"{dataSource}:{period}:11111111-aaaa-4bbb-8ccc-000000000001", available.IdempotencyKey);
        Assert.Equal(PollerStore.MessageId(available.IdempotencyKey), messageId);

        Assert.Equal(0, again.Completed.DeliveriesPublished);
        Assert.Single(again.Available);

        Assert.Equal(1, rewritten.Completed.DeliveriesPublished);
        Assert.Equal(2, rewritten.Available.Count);
        var newest = rewritten.Available[1].Message;
        Assert.Equal("11111111-aaaa-4bbb-8ccc-000000000002", newest.DeliveryId);
        Assert.Equal(3, newest.ReportKeys.Count);
        Assert.All(newest.ReportKeys, k => Assert.Contains("/11111111-aaaa-4bbb-8ccc-000000000002/", k.Key));
        Assert.Contains(harness.Credentials.Requests, r => r.DataSourceId == dataSource && r.OrganizationId == organization);
    }

    [Fact]
    public async Task Poll_WhenAnOverwriteIsHalfWritten_PublishesOnlyTheFinishedDelivery()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("csvover")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(1);
        var keys = await bucket.WriteCsvOverwriteAsync("", "daily", period, "assembly-1");
        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");

        // AWS rewrites the month in place: the first file is replaced, the manifest not yet.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await bucket.PutAsync(keys[0], "data of assembly-2, first file");
        var midWrite = await harness.PollAsync(organization, dataSource);
        // The new manifest names a third file that is not written yet.
        var folder = keys[0][..(keys[0].LastIndexOf('/') + 1)];
        await bucket.PutAsync(keys[1], "data of assembly-2, second file");
        await bucket.PutAsync(folder + "daily-Manifest.json", ReportBucketWriter.LegacyManifest("assembly-2", "daily", period, [.. keys, folder + "daily-3.csv.gz"], "GZIP"));
        var manifestAhead = await harness.PollAsync(organization, dataSource);
        await bucket.PutAsync(folder + "daily-3.csv.gz", "data of assembly-2, third file");
        // The writer finishes with the manifest, so no data file is newer than it.
        await bucket.PutAsync(folder + "daily-Manifest.json", ReportBucketWriter.LegacyManifest("assembly-2", "daily", period, [.. keys, folder + "daily-3.csv.gz"], "GZIP"));
        var finished = await harness.PollAsync(organization, dataSource);

        Assert.Equal("assembly-1", Assert.Single(first.Available).Message.DeliveryId);
        Assert.Equal(0, midWrite.Completed.DeliveriesPublished);
        Assert.Null(midWrite.Completed.LatestDeliveryId);
        Assert.Equal(0, manifestAhead.Completed.DeliveriesPublished);
        Assert.Equal(1, finished.Completed.DeliveriesPublished);
        var published = finished.Available[1].Message;
        Assert.Equal("assembly-2", published.DeliveryId);
        Assert.Equal(3, published.ReportKeys.Count);
        Assert.Equal(2, finished.Available.Count);
    }

    [Fact]
    public async Task Poll_WhenMonthsOlderThanTheBackfillExist_PublishesOnlyTheWatchedMonthsAndKeepsWatchingClosedOnes()
    {
        await using var harness = await PollerHarness.StartAsync(settings: new Dictionary<string, string> { ["CurPoller__BackfillMonths"] = "3" });
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("backfill")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        for (var monthsAgo = 0; monthsAgo < 5; monthsAgo++)
        {
            await bucket.WriteCsvAssemblyAsync("cur", "r", ReportBucketWriter.MonthsAgo(monthsAgo), $"a-{monthsAgo}", files: 1);
        }

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "cur", reportName: "r");
        // AWS rewrites a closed month with a credit: the new assembly is found.
        await bucket.WriteCsvAssemblyAsync("cur", "r", ReportBucketWriter.MonthsAgo(2), "a-2-credit", files: 1);
        var credit = await harness.PollAsync(organization, dataSource);

        Assert.Equal(3, first.Completed.BillingPeriods);
        Assert.Equal(3, first.Completed.DeliveriesPublished);
        Assert.Equal(
            [ReportBucketWriter.MonthsAgo(2).ToString(), ReportBucketWriter.MonthsAgo(1).ToString(), ReportBucketWriter.MonthsAgo(0).ToString()],
            first.Available.Select(a => a.Message.BillingPeriod).Order());
        Assert.Equal("a-0", first.Completed.LatestDeliveryId);
        Assert.Equal("a-2-credit", Assert.Single(credit.Available.Skip(3)).Message.DeliveryId);
    }
}
