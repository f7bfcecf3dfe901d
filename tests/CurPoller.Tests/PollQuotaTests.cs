using DigiUsher.Cur.Layout;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// Tenants who fill their bucket to make the poller work for them: a prefix of more keys than the
/// quota of keys listed per poll, a 100 MB manifest. Each poll stops with a failure that names the
/// quota, while another tenant's delivery on the same poller is announced exactly.
/// </summary>
public class PollQuotaTests
{
    // 100,000 keys would take minutes to put into moto; the same code path is crossed with a quota of
    // 1,500 and 2,100 keys (three listing pages), the default quota being 50,000.
    private const int KeysQuota = 1_500;
    private const int KeysListed = 2_100;

    [Fact]
    public async Task Poll_WhenAPrefixHolds2100KeysAgainstAQuotaOf1500OrAManifestIs100Mb_FailsNamingTheQuotaWhileAnotherTenantsDeliveryIsAnnounced()
    {
        await using var harness = await PollerHarness.StartAsync(settings: new Dictionary<string, string> { ["Quotas__KeysListedPerPoll"] = KeysQuota.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var bucket = await new ReportBucketWriter(ReportBucketWriter.UniqueBucket("quota")).CreateBucketAsync();
        var period = ReportBucketWriter.MonthsAgo(0);
        await Parallel.ForEachAsync(Enumerable.Range(0, KeysListed), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await bucket.PutAsync($"flood/cur/{CurKeys.PeriodFolder(period)}/junk-{i:D5}.txt", string.Empty));
        await bucket.WriteCsvOverwriteAsync("bomb", "cur", period, "assembly-bomb", files: 1, writeManifest: false);
        var bigManifest = new byte[100 << 20];
        bigManifest.AsSpan().Fill((byte)' ');
        await bucket.PutAsync($"bomb/cur/{CurKeys.PeriodFolder(period)}/cur-Manifest.json", bigManifest);
        var honestKeys = await bucket.WriteCsvOverwriteAsync("honest", "cur", period, "assembly-honest", files: 2);
        var (flooder, bomber, honest) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        var flooded = await harness.ConnectAsync(Guid.NewGuid(), flooder, bucket.Bucket, "flood", "cur");
        var bombed = await harness.ConnectAsync(Guid.NewGuid(), bomber, bucket.Bucket, "bomb", "cur");
        var announced = await harness.ConnectAsync(Guid.NewGuid(), honest, bucket.Bucket, "honest", "cur");

        Assert.Contains($"The listing of s3://{bucket.Bucket}/flood/cur/ passed 1,500 keys, the organization's quota of keys listed per poll (Quotas:KeysListedPerPoll)", flooded.Failed.Reason, StringComparison.Ordinal);
        Assert.Contains($"The manifest s3://{bucket.Bucket}/bomb/cur/{CurKeys.PeriodFolder(period)}/cur-Manifest.json is 104,857,600 bytes, over the organization's quota of 16,777,216 bytes per manifest (Quotas:ManifestBytes); it was not read.",
            bombed.Failed.Reason, StringComparison.Ordinal);
        Assert.Empty(flooded.Available);
        Assert.Empty(bombed.Available);
        Assert.Equal(1, announced.Completed.DeliveriesPublished);
        var (_, delivery) = Assert.Single(announced.Available);
        Assert.Equal("assembly-honest", delivery.DeliveryId);
        Assert.Equal(honestKeys, delivery.ReportKeys.Select(k => k.Key));
    }
}
