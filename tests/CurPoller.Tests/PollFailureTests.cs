namespace DigiUsher.CurPoller.Tests;

public class PollFailureTests
{
    [Fact]
    public async Task Poll_WhenTheBucketIsMissingEmptyOrCredentialsAreUnavailable_PublishesAnActionableReportPollFailed()
    {
        await using var harness = await PollerHarness.StartAsync();
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("fail")).CreateBucketAsync();
        await bucket.PutAsync("cur/readme.txt", "not a report");
        var organization = Guid.NewGuid();
        var (missingBucket, emptyPrefix, noCredentials, wrongName) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        harness.Credentials.Unavailable[noCredentials] = "The role arn:aws:iam::123456789012:role/digiusher cannot be assumed.";
        var missingName = ReportBucketWriter.UniqueBucket("nosuch");

        var missing = await harness.ConnectAsync(organization, missingBucket, missingName, "cur");
        var empty = await harness.ConnectAsync(organization, emptyPrefix, bucket.Bucket, "cur");
        var unavailable = await harness.ConnectAsync(organization, noCredentials, bucket.Bucket, "cur");
        var named = await harness.ConnectAsync(organization, wrongName, bucket.Bucket, "cur", "hourly");

        Assert.Contains($"bucket '{missingName}' does not exist", missing.Failed.Reason);
        Assert.Null(missing.Failed.DeniedAction);
        Assert.Contains($"No Cost and Usage Report found under s3://{bucket.Bucket}/cur/", empty.Failed.Reason);
        Assert.Contains("cannot be assumed", unavailable.Failed.Reason);
        Assert.Contains("'hourly'", named.Failed.Reason);
        Assert.All([missing, empty, unavailable, named], o => Assert.Empty(o.Available));
        Assert.All([missing, empty, unavailable, named], o => Assert.Equal(organization, o.Failed.OrganizationId));
    }
}
