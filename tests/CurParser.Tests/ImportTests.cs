using System.Text;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

/// <summary>The real consumer, from ReportAvailable on RabbitMQ through S3 (moto) to Postgres and the outbox.</summary>
public class ImportTests
{
    private static readonly DateTimeOffset Monday = new(2024, 2, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Import_WhenWorkshopParquetDelivered_TotalsPerLineItemTypeEqualAnIndependentSum()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var path = TestFiles.Sample("cur-legacy-parquet-wa-workshop/Oct2018-WorkshopCUR-00001.snappy.parquet");
        var file = await harness.UploadAsync("cur/hourly/hourly/year=2018/month=10/hourly-00001.snappy.parquet", await File.ReadAllBytesAsync(path));
        var delivery = harness.Delivery("oct-1", Monday, ReportFormat.Parquet, [file], "2018-10");

        await harness.PublishAsync(delivery);

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "oct-1", "ReportImported");
        var expected = await TestFiles.ParquetSumsAsync(path);
        await using var db = await harness.OpenAsync();
        var loaded = (await db.QueryAsync<(string Type, decimal Unblended, long Rows)>(
            "select line_item_type, sum(unblended), count(*) from curparser.current_line_items where data_source_id = @id group by 1",
            new { id = harness.DataSourceId })).ToDictionary(r => r.Type);
        Assert.Equal(119_307, imported.Rows);
        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (type, sum) in expected)
        {
            Assert.True(Math.Abs((decimal)sum - loaded[type].Unblended) < 0.000001m, $"{type}: {loaded[type].Unblended} vs {sum}");
        }

        var total = Assert.Single(imported.Totals);
        Assert.Equal("USD", total.Currency);
        Assert.Equal(loaded.Values.Sum(v => v.Unblended), total.Unblended);
        Assert.NotEqual(total.Unblended, total.Amortized);
        var costs = await harness.WaitForAsync<CostsImported>(e => e.ImportId == imported.ImportId, "CostsImported");
        Assert.Equal(imported.Totals, costs.Totals);
        var provenance = await db.QuerySingleAsync<(string Key, string DeliveryId, long MaxRow)>(
            """
            select i.files[li.file_index], i.delivery_id, max(li.row_number) over ()
            from curparser.line_items li join curparser.imports i on i.import_id = li.import_id
            where li.import_id = @importId limit 1
            """, new { importId = imported.ImportId });
        Assert.Equal((file.Key, "oct-1", 119_307L), provenance);
    }

    [Fact]
    public async Task Import_WhenKokuCsvSamplesDelivered_TotalsMatchSavingsPlanAmortizedAndFusedHeaderReported()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var fused = await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-csv-koku/test_cur.csv.gz"));
        var savingsPlan = await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-csv-koku/2023-06-01.csv"));
        var files = new[]
        {
            await harness.UploadAsync("cur/hourly/20240101-20240201/a1/hourly-1.csv.gz", fused),
            await harness.UploadAsync("cur/hourly/20240101-20240201/a1/hourly-2.csv.gz", TestFiles.Gzip(savingsPlan)),
        };

        await harness.PublishAsync(harness.Delivery("a1", Monday, ReportFormat.CsvGzip, files));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "a1", "ReportImported");
        var expected = TestFiles.CsvSums(TestFiles.Gunzip(fused));
        foreach (var (key, sum) in TestFiles.CsvSums(Encoding.UTF8.GetString(savingsPlan)))
        {
            expected[key] = expected.GetValueOrDefault(key) + sum;
        }

        await using var db = await harness.OpenAsync();
        var loaded = (await db.QueryAsync<(string Type, string Currency, decimal Unblended, decimal Amortized)>(
            "select line_item_type, currency, sum(unblended), sum(amortized) from curparser.current_line_items where data_source_id = @id group by 1, 2",
            new { id = harness.DataSourceId })).ToDictionary(r => (r.Type, r.Currency));
        Assert.Equal(expected.Count, loaded.Count);
        foreach (var (key, sum) in expected)
        {
            Assert.True(Math.Abs(sum - loaded[key].Unblended) < 0.000001m, $"{key}: {loaded[key].Unblended} vs {sum}");
        }

        Assert.Equal(30m, loaded[("SavingsPlanCoveredUsage", "NOK")].Unblended);
        Assert.Equal(0.3m, loaded[("SavingsPlanCoveredUsage", "NOK")].Amortized);
        Assert.Equal(["NOK", "USD"], imported.Totals.Select(t => t.Currency));
        Assert.Equal(22, imported.Rows);
        var warnings = await db.QuerySingleAsync<string>("select warnings::text from curparser.imports where import_id = @id", new { id = imported.ImportId });
        Assert.Contains("pricing/OfferingClasspricing/PurchaseOption", warnings, StringComparison.Ordinal);
        Assert.Contains("hourly-1.csv.gz", warnings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WhenZipCsvDelivered_LoadsTheArchivedCsv()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var csv = TestFiles.Gunzip(TestFiles.SmallCsv(10, 0.5m));
        var file = await harness.UploadAsync("cur/z/20240101-20240201/z1/z-1.csv.zip", TestFiles.Zip("z-1.csv", Encoding.UTF8.GetBytes(csv)));

        await harness.PublishAsync(harness.Delivery("z1", Monday, ReportFormat.CsvZip, [file]));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "z1", "ReportImported");
        Assert.Equal(10, imported.Rows);
        Assert.Equal(5.0m, Assert.Single(imported.Totals).Unblended);
    }

    [Fact]
    public async Task Import_WhenTheSameDeliveryArrivesTwice_TheSecondChangesNothing()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var file = await harness.UploadAsync("cur/h/20240101-20240201/d1/h-1.csv.gz", TestFiles.SmallCsv(100, 0.25m));
        var delivery = harness.Delivery("d1", Monday, ReportFormat.CsvGzip, [file]);
        await harness.PublishAsync(delivery);
        var first = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "d1", "the first ReportImported");

        await harness.PublishAsync(delivery);

        await Eventually.True(async () => await harness.VirtualHost.MessagesInQueueAsync("cur-parser-report-available") == 0, TimeSpan.FromSeconds(60), "the redelivery to be consumed");
        await using var db = await harness.OpenAsync();
        await Eventually.True(async () => await db.QuerySingleAsync<long>("select count(*) from curparser.outbox where dispatched_at is null") == 0, TimeSpan.FromSeconds(30), "the outbox to drain");
        Assert.Equal(1, await db.QuerySingleAsync<long>("select count(*) from curparser.imports"));
        Assert.Equal(first.ImportId, await db.QuerySingleAsync<Guid>("select import_id from curparser.current_imports"));
        Assert.Equal(100, await db.QuerySingleAsync<long>("select count(*) from curparser.current_line_items"));
        Assert.Single(harness.Events.OfType<ReportImported>());
        Assert.Single(harness.Events.OfType<ReportImportStarted>());
    }

    [Fact]
    public async Task Reimport_WhenItsAnnouncementArrivesTwice_ImportsTheDeliveryAgainOnceAndSwapsItIn()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var file = await harness.UploadAsync("cur/h/20240101-20240201/r1/h-1.csv.gz", TestFiles.SmallCsv(100, 0.25m));
        var delivery = harness.Delivery("r1", Monday, ReportFormat.CsvGzip, [file]);
        await harness.PublishAsync(delivery);
        var first = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "r1", "the first ReportImported");

        var reimport = delivery with { IdempotencyKey = $"{delivery.IdempotencyKey}:reimport:{Guid.NewGuid()}", Reimport = true, DetectedAt = Monday.AddDays(1) };
        await harness.PublishAsync(reimport);
        var again = await harness.WaitForAsync<ReportImported>(e => e.IdempotencyKey == reimport.IdempotencyKey, "the re-import's ReportImported");
        await harness.PublishAsync(reimport);

        await Eventually.True(async () => await harness.VirtualHost.MessagesInQueueAsync("cur-parser-report-available") == 0, TimeSpan.FromSeconds(60), "the redelivery to be consumed");
        await using var db = await harness.OpenAsync();
        await Eventually.True(async () => await db.QuerySingleAsync<long>("select count(*) from curparser.outbox where dispatched_at is null") == 0, TimeSpan.FromSeconds(30), "the outbox to drain");
        Assert.NotEqual(first.ImportId, again.ImportId);
        Assert.Equal(first.Totals, again.Totals);
        Assert.Equal(again.ImportId, await db.QuerySingleAsync<Guid>("select import_id from curparser.current_imports"));
        Assert.Equal(100, await db.QuerySingleAsync<long>("select count(*) from curparser.current_line_items"));
        Assert.Equal(2, harness.Events.OfType<ReportImported>().Count());
        Assert.Equal(2, harness.Events.OfType<CostsImported>().Count());
        Assert.Equal("replaced", await db.QuerySingleAsync<string>("select status from curparser.imports where import_id = @id", new { id = first.ImportId }));
    }

    [Fact]
    public async Task Import_WhenANewerDeliveryArrives_ReplacesTheMonthAndALateOlderOneIsIgnored()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var oldFile = await harness.UploadAsync("cur/h/20240101-20240201/old/h-1.csv.gz", TestFiles.SmallCsv(50, 1m));
        var newFile = await harness.UploadAsync("cur/h/20240101-20240201/new/h-1.csv.gz", TestFiles.SmallCsv(80, 2m));
        var staleFile = await harness.UploadAsync("cur/h/20240101-20240201/stale/h-1.csv.gz", TestFiles.SmallCsv(10, 9m));
        await harness.PublishAsync(harness.Delivery("old", Monday, ReportFormat.CsvGzip, [oldFile]));
        var first = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "old", "the old import");

        await harness.PublishAsync(harness.Delivery("new", Monday.AddHours(8), ReportFormat.CsvGzip, [newFile]));
        var second = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "new", "the new import");
        await harness.PublishAsync(harness.Delivery("stale", Monday.AddHours(4), ReportFormat.CsvGzip, [staleFile]));
        await Eventually.True(async () => await harness.QuerySingleAsync<string>(
            "select status from curparser.deliveries where delivery_id = 'stale'") == "superseded", TimeSpan.FromSeconds(60), "the stale delivery to be superseded");

        await using var db = await harness.OpenAsync();
        Assert.Equal(second.ImportId, await db.QuerySingleAsync<Guid>("select import_id from curparser.current_imports where data_source_id = @id", new { id = harness.DataSourceId }));
        Assert.Equal((80L, 160m), await db.QuerySingleAsync<(long, decimal)>("select count(*), sum(unblended) from curparser.current_line_items"));
        Assert.Equal(80, await db.QuerySingleAsync<long>("select count(*) from curparser.line_items"));
        Assert.Equal("replaced", await db.QuerySingleAsync<string>("select status from curparser.imports where import_id = @id", new { id = first.ImportId }));
        Assert.False(await db.QuerySingleAsync<bool>("select to_regclass(@name) is not null", new { name = $"curparser.line_items_{first.ImportId:N}" }));
        Assert.DoesNotContain(harness.Events.OfType<ReportImported>(), e => e.DeliveryId == "stale");
    }

    [Fact]
    public async Task Import_WhileAReaderQueriesDuringTheSwap_TheReaderNeverSeesAMix()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var oldFile = await harness.UploadAsync("cur/h/20240101-20240201/v1/h-1.csv.gz", TestFiles.SmallCsv(3_000, 1m));
        var newFile = await harness.UploadAsync("cur/h/20240101-20240201/v2/h-1.csv.gz", TestFiles.SmallCsv(20_000, 0.5m));
        await harness.PublishAsync(harness.Delivery("v1", Monday, ReportFormat.CsvGzip, [oldFile]));
        await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "v1", "the first import");
        var seen = new List<(long Rows, decimal Sum)>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            await using var db = await harness.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                seen.Add(await db.QuerySingleAsync<(long, decimal)>(
                    "select count(*), coalesce(sum(unblended), 0) from curparser.current_line_items where data_source_id = @id", new { id = harness.DataSourceId }));
            }
        });

        await harness.PublishAsync(harness.Delivery("v2", Monday.AddHours(1), ReportFormat.CsvGzip, [newFile]));
        await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "v2", "the second import");
        await Eventually.True(() => Task.FromResult(seen.Count > 0 && seen[^1].Rows == 20_000), TimeSpan.FromSeconds(30), "the reader to see the new import");
        await stop.CancelAsync();
        await reader;

        Assert.All(seen, s => Assert.True(s == (3_000L, 3_000m) || s == (20_000L, 10_000m), $"a mixed read: {s}"));
        Assert.Contains((3_000L, 3_000m), seen);
    }

    [Fact]
    public async Task Import_WhenAFileIsBad_PublishesAPermanentFailureAndKeepsThePreviousImportCurrent()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var good = await harness.UploadAsync("cur/h/20240101-20240201/g/h-1.csv.gz", TestFiles.SmallCsv(20, 1m));
        var csv = TestFiles.Gunzip(TestFiles.SmallCsv(3, 1m)).Replace(",1,1,USD,web\nid2", ",1,1e309,USD,web\nid2", StringComparison.Ordinal);
        var bad = await harness.UploadAsync("cur/h/20240101-20240201/b/h-1.csv.gz", TestFiles.Gzip(Encoding.UTF8.GetBytes(csv)));
        await harness.PublishAsync(harness.Delivery("g", Monday, ReportFormat.CsvGzip, [good]));
        var current = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "g", "the good import");

        await harness.PublishAsync(harness.Delivery("b", Monday.AddHours(1), ReportFormat.CsvGzip, [bad]));

        var failed = await harness.WaitForAsync<ReportImportFailed>(e => e.DeliveryId == "b", "ReportImportFailed");
        Assert.False(failed.Transient);
        Assert.Equal(bad.Key, failed.File);
        Assert.Equal(2, failed.Row);
        Assert.Contains("1e309", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("lineItem/UnblendedCost", failed.Reason, StringComparison.Ordinal);
        await using var db = await harness.OpenAsync();
        Assert.Equal(current.ImportId, await db.QuerySingleAsync<Guid>("select import_id from curparser.current_imports"));
        Assert.Equal(20, await db.QuerySingleAsync<long>("select count(*) from curparser.current_line_items"));
        Assert.Equal(0, await harness.VirtualHost.MessagesInQueueAsync("cur-parser-report-available_error"));
        Assert.Equal("failed", await db.QuerySingleAsync<string>("select status from curparser.deliveries where delivery_id = 'b'"));
    }
}
