using DigiUsher.Contracts;

namespace DigiUsher.CurPoller.Tests;

public class ImportRetryTests
{
    [Fact]
    public async Task Poll_AfterImportFailures_RepublishesTransientOnesWithANewMessageIdButNeverBadFilesOrImportedOnes()
    {
        await using var harness = await PollerHarness.StartAsync(settings: new Dictionary<string, string> { ["CurPoller__RetryBackoff"] = "00:00:00" });
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("retry")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var (transient, permanent, imported) = (ReportBucketWriter.MonthsAgo(0), ReportBucketWriter.MonthsAgo(1), ReportBucketWriter.MonthsAgo(2));
        foreach (var period in new[] { transient, permanent, imported })
        {
            await bucket.WriteCsvAssemblyAsync("", "r", period, $"asm-{period}", files: 1);
        }

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");
        var byPeriod = first.Available.ToDictionary(a => a.Message.BillingPeriod);
        await Fail(harness, byPeriod[transient.ToString()].Message, transient: true);
        await Fail(harness, byPeriod[permanent.ToString()].Message, transient: false);
        var done = byPeriod[imported.ToString()].Message;
        await harness.Bus.Publish(new ReportImported(
            organization, dataSource, $"import:{done.DeliveryId}", done.BillingPeriod, done.DeliveryId, Guid.NewGuid(), 10, 1, [], false, TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow));
        await WaitForStatusAsync(harness, dataSource, "failed_transient", "failed_permanent", "imported");
        var retried = await harness.PollAsync(organization, dataSource);
        var quiet = await harness.PollAsync(organization, dataSource);

        Assert.Equal(3, first.Completed.DeliveriesPublished);
        Assert.Equal(1, retried.Completed.DeliveriesPublished);
        var (retryId, retry) = Assert.Single(retried.Available.Skip(3));
        var original = byPeriod[transient.ToString()];
        Assert.Equal(original.Message.IdempotencyKey, retry.IdempotencyKey);
        Assert.Equal(original.Message.DeliveryId, retry.DeliveryId);
        Assert.NotEqual(original.MessageId, retryId);
        Assert.Equal(0, quiet.Completed.DeliveriesPublished);
    }

    [Fact]
    public async Task Poll_WhenAnAnnouncedDeliveryIsNeverAnswered_AnnouncesItAgainOnceTheWaitIsOverButNotAfterItIsImported()
    {
        await using var harness = await PollerHarness.StartAsync(settings: new Dictionary<string, string> { ["CurPoller__UnansweredRepublishAfter"] = "01:00:00" });
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("unanswered")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        var period = ReportBucketWriter.MonthsAgo(0);
        await bucket.WriteCsvAssemblyAsync("", "r", period, "asm-lost", files: 1);

        var first = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");
        var original = Assert.Single(first.Available);
        var early = await harness.PollAsync(organization, dataSource);
        // Time passes without an answer (CurParser's message went to its _error queue, unrecorded).
        await BackdateAnnouncementsAsync(harness, dataSource, TimeSpan.FromHours(2));
        var again = await harness.PollAsync(organization, dataSource);
        var quiet = await harness.PollAsync(organization, dataSource);

        Assert.Equal(0, early.Completed.DeliveriesPublished);
        Assert.Equal(1, again.Completed.DeliveriesPublished);
        var (retryId, retry) = Assert.Single(again.Available.Skip(1));
        Assert.Equal(original.Message.IdempotencyKey, retry.IdempotencyKey);
        Assert.Equal(original.Message.DeliveryId, retry.DeliveryId);
        Assert.NotEqual(original.MessageId, retryId);
        Assert.Equal(0, quiet.Completed.DeliveriesPublished);

        // Answered: however long ago it was announced, it is not announced again.
        await harness.Bus.Publish(new ReportImported(
            organization, dataSource, $"import:{retry.DeliveryId}", retry.BillingPeriod, retry.DeliveryId, Guid.NewGuid(), 10, 1, [], false, TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow));
        await WaitForStatusAsync(harness, dataSource, "imported");
        await BackdateAnnouncementsAsync(harness, dataSource, TimeSpan.FromHours(2));
        var imported = await harness.PollAsync(organization, dataSource);
        Assert.Equal(0, imported.Completed.DeliveriesPublished);
        Assert.Equal(2, imported.Available.Count);
    }

    private static async Task BackdateAnnouncementsAsync(PollerHarness harness, Guid dataSource, TimeSpan by)
    {
        await using var connection = new Npgsql.NpgsqlConnection(harness.Database.AdminConnectionString);
        await Dapper.SqlMapper.ExecuteAsync(
            connection, "update curpoller.deliveries set last_published_at = last_published_at - @by where data_source_id = @dataSource", new { dataSource, by });
    }

    private static Task Fail(PollerHarness harness, ReportAvailable delivery, bool transient) =>
        harness.Bus.Publish(new ReportImportFailed(
            delivery.OrganizationId, delivery.DataSourceId, $"import:{delivery.DeliveryId}", delivery.BillingPeriod, delivery.DeliveryId, Guid.NewGuid(),
            delivery.ReportKeys[0].Key, transient ? null : 42, transient ? "Postgres connection reset" : "Row 42: lineItem/UnblendedCost 'abc' is not a number", transient,
            DateTimeOffset.UtcNow));

    private static Task WaitForStatusAsync(PollerHarness harness, Guid dataSource, params string[] statuses) =>
        DigiUsher.Testing.Eventually.True(
            async () =>
            {
                await using var connection = new Npgsql.NpgsqlConnection(harness.Database.AdminConnectionString);
                var found = await Dapper.SqlMapper.QueryAsync<string>(connection, "select status from curpoller.deliveries where data_source_id = @dataSource", new { dataSource });
                return statuses.Order().SequenceEqual(found.Order());
            },
            TimeSpan.FromSeconds(30),
            "the import outcomes to be recorded");
}
