using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.CurPoller.Tests;

public class RegistryTests
{
    [Fact]
    public async Task Events_WhenADataSourceIsUpdatedThenRemoved_PollsTheNewPrefixThenStops()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("registry")).CreateBucketAsync();
        var (organization, dataSource) = (Guid.NewGuid(), Guid.NewGuid());
        await bucket.WriteCsvAssemblyAsync("new-prefix", "r", ReportBucketWriter.MonthsAgo(0), "asm-1", files: 1);

        var before = await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "old-prefix");
        var polls = harness.Recorded.PollsOf(dataSource).Count;
        await harness.Bus.Publish(new DataSourceUpdated(
            organization, dataSource, "updated:1", PollerHarness.Settings(bucket.Bucket, "new-prefix"), false, DateTimeOffset.UtcNow));
        var after = await harness.WaitForPollAsync(dataSource, polls);
        // A stale Connected (older than the update) must not move it back.
        await harness.Bus.Publish(new DataSourceConnected(
            organization, dataSource, "connected:stale", PollerHarness.Settings(bucket.Bucket, "old-prefix"), DateTimeOffset.UtcNow.AddHours(-1)));
        var stillNew = await harness.PollAsync(organization, dataSource);
        await harness.Bus.Publish(new DataSourceRemoved(organization, dataSource, "removed:1", DateTimeOffset.UtcNow));
        await Eventually.True(
            async () =>
            {
                await using var connection = new Npgsql.NpgsqlConnection(harness.Database.AdminConnectionString);
                return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(connection, "select removed_at is not null from curpoller.data_sources where data_source_id = @dataSource", new { dataSource });
            },
            TimeSpan.FromSeconds(30),
            "the removal to be recorded");
        var pollsAfterRemoval = harness.Recorded.PollsOf(dataSource).Count;
        await harness.Bus.Publish(new PollRequested(organization, dataSource, "poll:after-removal", DateTimeOffset.UtcNow));
        // Another data source's poll, requested after, completes: the removed one had its chance and was skipped.
        var other = Guid.NewGuid();
        await harness.ConnectAsync(organization, other, bucket.Bucket, "new-prefix");

        Assert.IsType<ReportPollFailed>(before.Event);
        Assert.Equal(1, after.Completed.DeliveriesPublished);
        Assert.Equal(0, stillNew.Completed.DeliveriesPublished);
        Assert.Equal("r", stillNew.Completed.ReportName);
        Assert.Equal(pollsAfterRemoval, harness.Recorded.PollsOf(dataSource).Count);
    }

    [Fact]
    public async Task PollRequested_WhenFromAnotherOrganization_DoesNotPollTheDataSource()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("tenant")).CreateBucketAsync();
        await bucket.WriteCsvAssemblyAsync("", "r", ReportBucketWriter.MonthsAgo(0), "asm-1", files: 1);
        var (organization, intruder, dataSource) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await harness.ConnectAsync(organization, dataSource, bucket.Bucket, "");

        var polls = harness.Recorded.PollsOf(dataSource).Count;
        await harness.Bus.Publish(new PollRequested(intruder, dataSource, "poll:intruder", DateTimeOffset.UtcNow));
        await harness.Bus.Publish(new DataSourceRemoved(intruder, dataSource, "removed:intruder", DateTimeOffset.UtcNow));
        var own = await harness.PollAsync(organization, dataSource);

        Assert.Equal(polls + 1, harness.Recorded.PollsOf(dataSource).Count);
        Assert.Equal(organization, own.Completed.OrganizationId);
        Assert.All(harness.Credentials.Requests.Where(r => r.DataSourceId == dataSource), r => Assert.Equal(organization, r.OrganizationId));
    }
}
