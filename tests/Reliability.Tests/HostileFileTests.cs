using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// Hostile report files against the real CurParser: each import fails with a reason that names the
/// file (and the row where there is one), lands no rows, leaves the previous delivery current and is
/// not retried in a loop (a permanent failure: one ReportImportFailed, the message acknowledged).
/// </summary>
public sealed class HostileFileTests(HostileFileTests.Parser fixture) : IClassFixture<HostileFileTests.Parser>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("truncated-gzip")]
    [InlineData("gzip-bomb")]
    [InlineData("unterminated-quote")]
    [InlineData("header-without-unblended-cost")]
    [InlineData("cost-1e309")]
    [InlineData("ten-megabyte-field")]
    [InlineData("non-utf8")]
    public async Task Import_WhenAFileIsHostile_FailsNamingFileAndRowAndKeepsThePreviousDelivery(string kind)
    {
        var (content, row, reason) = kind switch
        {
            "truncated-gzip" => (HostileFiles.TruncatedGzip(), (long?)null, "gzip"),
            "gzip-bomb" => (HostileFiles.GzipBomb(), null, "decompression bomb"),
            "unterminated-quote" => (HostileFiles.UnterminatedQuote(), 3L, "quote"),
            "header-without-unblended-cost" => (HostileFiles.HeaderWithoutUnblendedCost(), null, "lineItem/UnblendedCost"),
            "cost-1e309" => (HostileFiles.CostOverflow(), 3L, "1e309"),
            "ten-megabyte-field" => (HostileFiles.TenMegabyteField(), 2L, "longer than"),
            "non-utf8" => (HostileFiles.NonUtf8(), 3L, "UTF-8"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var previous = await ImportGoodDeliveryAsync(h, tenant);

        var hostile = await h.CsvDeliveryAsync(tenant, HostileFiles.Period, $"hostile-{kind}", previous.DetectedAt.AddHours(1), content);
        await h.PublishAsync(hostile);

        var failed = await FailureOfAsync(h, tenant, hostile);
        Assert.Equal(hostile.ReportKeys[0].Key, failed.File);
        if (row is not null)
        {
            Assert.Equal(row, failed.Row);
        }

        Assert.Contains(reason, failed.Reason, StringComparison.OrdinalIgnoreCase);
        await AssertNothingLandedAsync(h, tenant, hostile, previous);
    }

    [Fact]
    public async Task Import_WhenAParquetFooterIsCorrupt_FailsNamingTheFileAndKeepsThePreviousDelivery()
    {
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var previous = await ImportGoodDeliveryAsync(h, tenant);
        var bytes = await HostileFiles.ParquetWithCorruptFooterAsync();
        var key = await h.PutAsync($"cur/{HostileFiles.Period}/corrupt-parquet/cur-00001.snappy.parquet", bytes);
        var hostile = h.Delivery(tenant, HostileFiles.Period, "corrupt-parquet", previous.DetectedAt.AddHours(1), ReportFormat.Parquet, (key, bytes.Length));
        await h.PublishAsync(hostile);

        var failed = await FailureOfAsync(h, tenant, hostile);
        Assert.Equal(key, failed.File);
        Assert.Contains("Parquet", failed.Reason, StringComparison.Ordinal);
        await AssertNothingLandedAsync(h, tenant, hostile, previous);
    }

    /// <summary>The manifest listed a key that is not in the bucket (deleted, or a forged manifest).</summary>
    [Fact]
    public async Task Import_WhenTheManifestPointsAtAMissingKey_FailsNamingTheKeyAndKeepsThePreviousDelivery()
    {
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var previous = await ImportGoodDeliveryAsync(h, tenant);
        var goodBytes = new CurCsv(HostileFiles.Period).AddRows(10).Gzip();
        var good = await h.PutAsync($"cur/{HostileFiles.Period}/missing-key/cur-1.csv.gz", goodBytes);
        var missing = $"cur/{HostileFiles.Period}/missing-key/cur-2.csv.gz";
        // The present file with its real size (a file larger than listed is refused on its own, by the delivery quota).
        var hostile = h.Delivery(tenant, HostileFiles.Period, "missing-key", previous.DetectedAt.AddHours(1), ReportFormat.CsvGzip, (good, goodBytes.Length), (missing, 100));
        await h.PublishAsync(hostile);

        var failed = await FailureOfAsync(h, tenant, hostile);
        Assert.True(failed.File == missing || failed.Reason.Contains(missing, StringComparison.Ordinal), $"the failure names {missing}: {failed.File} {failed.Reason}");
        await AssertNothingLandedAsync(h, tenant, hostile, previous);
    }

    /// <summary>The delivery's keys point into another bucket than the data source's (one it may not read, or that does not exist).</summary>
    [Fact]
    public async Task Import_WhenTheManifestIsInADifferentBucket_FailsAndKeepsThePreviousDelivery()
    {
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var previous = await ImportGoodDeliveryAsync(h, tenant);
        var elsewhere = h.Delivery(tenant, HostileFiles.Period, "other-bucket", previous.DetectedAt.AddHours(1), ReportFormat.CsvGzip, ($"cur/{HostileFiles.Period}/other-bucket/cur-1.csv.gz", 100))
            with { Bucket = $"someone-else-{Guid.NewGuid():N}"[..30] };
        await h.PublishAsync(elsewhere);

        var failed = await FailureOfAsync(h, tenant, elsewhere);
        Assert.Contains("S3", failed.Reason, StringComparison.Ordinal);
        await AssertNothingLandedAsync(h, tenant, elsewhere, previous);
    }

    private static async Task<ReportAvailable> ImportGoodDeliveryAsync(ParserHarness h, Tenant tenant)
    {
        var csv = new CurCsv(HostileFiles.Period).AddRows(50);
        var delivery = await h.CsvDeliveryAsync(tenant, HostileFiles.Period, "good", DateTimeOffset.UtcNow.AddDays(-1), csv.Gzip());
        await h.PublishAsync(delivery);
        var current = await Eventually.Get(() => h.CurrentAsync(tenant.DataSourceId, HostileFiles.Period), Timeout, "the good delivery to become current");
        Assert.Equal("good", current.DeliveryId);
        Assert.Equal((csv.Unblended, 50L), await h.CurrentLineItemsAsync(tenant.DataSourceId, HostileFiles.Period));
        return delivery;
    }

    private static async Task<ReportImportFailed> FailureOfAsync(ParserHarness h, Tenant tenant, ReportAvailable delivery)
    {
        ReportImportFailed failed;
        try
        {
            var outcome = await Eventually.Get<object>(
                async () => (object?)h.Events.Of<ReportImportFailed>(tenant.DataSourceId).FirstOrDefault(f => f.DeliveryId == delivery.DeliveryId)
                    ?? (await h.DeliveryStatusAsync(tenant.DataSourceId, delivery.DeliveryId) is "imported" or "superseded" ? "imported" : null),
                Timeout, $"ReportImportFailed for {delivery.DeliveryId}");
            failed = outcome as ReportImportFailed
                ?? throw new Xunit.Sdk.XunitException($"the hostile delivery {delivery.DeliveryId} was imported: {(await h.CurrentAsync(tenant.DataSourceId, HostileFiles.Period))?.Rows} rows are current");
        }
        catch (TimeoutException ex)
        {
            var current = await h.CurrentAsync(tenant.DataSourceId, HostileFiles.Period);
            throw new TimeoutException(
                $"{ex.Message} Current delivery: {current?.DeliveryId} ({current?.Rows} rows); delivery status {await h.DeliveryStatusAsync(tenant.DataSourceId, delivery.DeliveryId)}.\n"
                + string.Join('\n', h.LogLines.TakeLast(15)), ex);
        }

        Assert.False(failed.Transient, $"a hostile file is a permanent failure, not retried: {failed.Reason}");
        return failed;
    }

    private static async Task AssertNothingLandedAsync(ParserHarness h, Tenant tenant, ReportAvailable hostile, ReportAvailable previous)
    {
        await Eventually.True(h.QueueDrainedAsync, Timeout, "the report-available queue to drain");
        Assert.Equal(0, await h.ErrorMessagesAsync());
        Assert.Equal("failed", await h.DeliveryStatusAsync(tenant.DataSourceId, hostile.DeliveryId));
        // The failed attempt's partitions are dropped just after its status is written.
        await Eventually.True(async () => await h.RowsOfDeliveryAsync(tenant.DataSourceId, hostile.DeliveryId) == 0, Timeout, "the failed attempt's rows to be dropped");
        var imports = await h.ImportsOfDeliveryAsync(tenant.DataSourceId, hostile.DeliveryId);
        Assert.Single(imports);
        Assert.Equal("failed", imports[0].Status);
        Assert.Single(h.Events.Of<ReportImportFailed>(tenant.DataSourceId), f => f.DeliveryId == hostile.DeliveryId);
        Assert.DoesNotContain(h.Events.Of<CostsImported>(tenant.DataSourceId), c => c.DeliveryId == hostile.DeliveryId);
        var current = await h.CurrentAsync(tenant.DataSourceId, HostileFiles.Period);
        Assert.Equal(previous.DeliveryId, current?.DeliveryId);
        Assert.Equal(50L, (await h.CurrentLineItemsAsync(tenant.DataSourceId, HostileFiles.Period)).Rows);
    }

    /// <summary>One CurParser for the class (each test has its own tenant and delivery ids).</summary>
    public sealed class Parser : IAsyncLifetime
    {
        public ParserHarness Harness { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Harness = await ParserHarness.StartAsync(settings: new Dictionary<string, string> { ["CurParser__MaxCompressionRatio"] = "100" });

        public async Task DisposeAsync()
        {
            if (Harness is not null)
            {
                await Harness.DisposeAsync();
            }
        }
    }
}
