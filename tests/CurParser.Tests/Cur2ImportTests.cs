using System.Text;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;

namespace DigiUsher.CurParser.Tests;

/// <summary>CUR 2.0 (AWS Data Exports) deliveries through the real consumer: RabbitMQ, S3 on moto, Postgres.</summary>
public class Cur2ImportTests
{
    private const string DataFolder = "exports/cur2/data/BILLING_PERIOD=2024-05/";
    private static readonly DateTimeOffset Monday = new(2024, 5, 6, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Import_WhenCur2ParquetExportDelivered_TotalsTagsAndProductMapMatchTheFiles()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var rows = Cur2Export.Rows(1_500);
        // Two files of several row groups each: map columns restart at every row group and file.
        var first = await Cur2Export.ParquetAsync([.. rows.Take(1_000)], rowGroupSize: 300);
        var second = await Cur2Export.ParquetAsync([.. rows.Skip(1_000)], rowGroupSize: 300);
        var files = new[]
        {
            await harness.UploadAsync(DataFolder + "cur2-00001.snappy.parquet", first),
            await harness.UploadAsync(DataFolder + "cur2-00002.snappy.parquet", second),
        };

        await harness.PublishAsync(harness.Delivery("cur2-parquet", Monday, ReportFormat.Cur2Parquet, files, "2024-05"));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "cur2-parquet", "ReportImported");
        var fileSums = new Dictionary<string, decimal>();
        foreach (var file in new[] { first, second })
        {
            foreach (var (type, sum) in await TestFiles.OptionalParquetSumsAsync(file, "line_item_line_item_type", "line_item_unblended_cost"))
            {
                fileSums[type] = fileSums.GetValueOrDefault(type) + (decimal)sum;
            }
        }

        await AssertImportedAsync(harness, imported, rows, fileSums, fileRows: [1_000, 500]);
    }

    [Fact]
    public async Task Import_WhenCur2CsvGzipExportDelivered_TotalsTagsAndProductMapMatchTheFile()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var rows = Cur2Export.Rows(1_200);
        var csv = Cur2Export.Csv(rows);
        var file = await harness.UploadAsync(DataFolder + "cur2-00001.csv.gz", TestFiles.Gzip(Encoding.UTF8.GetBytes(csv)));

        await harness.PublishAsync(harness.Delivery("cur2-csv", Monday, ReportFormat.Cur2CsvGzip, [file], "2024-05"));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "cur2-csv", "ReportImported");
        var fileSums = TestFiles.CsvSums(csv, "line_item_line_item_type", "line_item_unblended_cost", "line_item_currency_code")
            .ToDictionary(e => e.Key.Type, e => e.Value);
        Assert.Contains("\"{\"\"user_team\"\":\"\"data, \\\"\"core\\\"\"\"\"", csv, StringComparison.Ordinal);
        await AssertImportedAsync(harness, imported, rows, fileSums, fileRows: [1_200]);
    }

    [Fact]
    public async Task Import_WhenCur2ExportQuerySelectsFewColumns_ImportsWithoutMapsAndNetUnblendedFallsBack()
    {
        await using var harness = await CurParserHarness.StartAsync();
        // Data Exports runs the customer's SQL: no product, tag or discount maps, no net unblended cost.
        var only = new HashSet<string>(StringComparer.Ordinal)
        {
            "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
            "line_item_product_code", "line_item_unblended_cost", "product_region_code",
        };
        var rows = Cur2Export.Rows(300);
        var parquet = await Cur2Export.ParquetAsync(rows, rowGroupSize: 128, only);
        var file = await harness.UploadAsync(DataFolder + "narrow-00001.snappy.parquet", parquet);

        await harness.PublishAsync(harness.Delivery("cur2-narrow", Monday, ReportFormat.Cur2Parquet, [file], "2024-05"));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "cur2-narrow", "ReportImported");
        var fileSums = await TestFiles.OptionalParquetSumsAsync(parquet, "line_item_line_item_type", "line_item_unblended_cost");
        await using var db = await harness.OpenAsync();
        var loaded = (await db.QueryAsync<(string Type, decimal Unblended, decimal NetUnblended)>(
            "select line_item_type, sum(unblended), sum(net_unblended) from curparser.current_line_items where data_source_id = @id group by 1",
            new { id = harness.DataSourceId })).ToDictionary(r => r.Type);
        Assert.Equal(300, imported.Rows);
        Assert.Equal(fileSums.Keys.Order(), loaded.Keys.Order());
        foreach (var (type, sum) in fileSums)
        {
            Assert.True(Math.Abs((decimal)sum - loaded[type].Unblended) < 0.000001m, $"{type}: {loaded[type].Unblended} vs {sum}");
            Assert.Equal(loaded[type].Unblended, loaded[type].NetUnblended);
        }

        var lines = (await db.QueryAsync<(long Row, string Service, string Region, string Tags)>(
            "select row_number, service_name, region, tags::text from curparser.current_line_items where data_source_id = @id",
            new { id = harness.DataSourceId })).ToList();
        Assert.Equal(300, lines.Count);
        Assert.All(lines, line =>
        {
            var row = rows[(int)line.Row - 1];
            Assert.Equal((row.ProductCode, row.RegionCode ?? string.Empty, "{}"), (line.Service, line.Region, line.Tags));
        });
    }

    /// <summary>
    /// Per line item type: unblended equal to the independent sum of the files; net unblended and amortized
    /// equal to what the rows state (CUR.md §4); every line's service, region, tags and cost categories as
    /// the row's columns and maps give them; the message totals and the daily rollup equal the loaded rows.
    /// </summary>
    private static async Task AssertImportedAsync(
        CurParserHarness harness, ReportImported imported, IReadOnlyList<Cur2Row> rows, Dictionary<string, decimal> fileSums, int[] fileRows)
    {
        Assert.Equal(rows.Count, imported.Rows);
        Assert.Equal(fileRows.Length, imported.Files);
        await using var db = await harness.OpenAsync();
        var loaded = (await db.QueryAsync<(string Type, long Rows, decimal Unblended, decimal NetUnblended, decimal Amortized)>(
            """
            select line_item_type, count(*), sum(unblended), sum(net_unblended), sum(amortized)
            from curparser.current_line_items where data_source_id = @id group by 1
            """, new { id = harness.DataSourceId })).ToDictionary(r => r.Type);
        Assert.Equal(fileSums.Keys.Order(), loaded.Keys.Order());
        Assert.Contains("EdpDiscount", loaded.Keys);
        foreach (var (type, sum) in fileSums)
        {
            var expected = rows.Where(r => r.Type == type).ToList();
            Assert.Equal(expected.Count, loaded[type].Rows);
            Assert.True(Math.Abs(sum - loaded[type].Unblended) < 0.000001m, $"{type} unblended: {loaded[type].Unblended} vs {sum} in the files");
            Assert.True(Math.Abs(expected.Sum(r => r.ExpectedNetUnblended) - loaded[type].NetUnblended) < 0.000001m, $"{type} net unblended: {loaded[type].NetUnblended}");
            Assert.True(Math.Abs(expected.Sum(r => r.ExpectedAmortized) - loaded[type].Amortized) < 0.000001m, $"{type} amortized: {loaded[type].Amortized}");
        }

        var total = Assert.Single(imported.Totals);
        Assert.Equal("USD", total.Currency);
        Assert.Equal(loaded.Values.Sum(v => v.Unblended), total.Unblended);
        Assert.Equal(loaded.Values.Sum(v => v.NetUnblended), total.NetUnblended);
        Assert.Equal(loaded.Values.Sum(v => v.Amortized), total.Amortized);
        Assert.True(total.NetUnblended < total.Unblended, "the discount makes net unblended lower");
        Assert.Equal(
            (total.Unblended, total.NetUnblended, total.Amortized, rows.Count),
            await db.QuerySingleAsync<(decimal, decimal, decimal, int)>(
                "select sum(unblended), sum(net_unblended), sum(amortized), sum(line_items)::int from curparser.daily_costs where import_id = @id",
                new { id = imported.ImportId }));

        // The daily rollup names each account as the export does (CUR 2.0's line_item_usage_account_name) and keeps the cost categories.
        Assert.Equal(
            (rows.Select(r => r.Account).Distinct().LongCount(), 0L, rows.Any(r => r.CostCategories.Count > 0)),
            await db.QuerySingleAsync<(long, long, bool)>(
                """
                select count(distinct usage_account_id), count(*) filter (where usage_account_name <> 'account ' || right(usage_account_id, 4)),
                       bool_or(cost_categories <> '{}'::jsonb)
                from curparser.daily_costs where import_id = @id
                """, new { id = imported.ImportId }));

        var lines = await db.QueryAsync<(int File, long Row, string Service, string Region, string ResourceId, string Tags, string Categories)>(
            """
            select file_index, row_number, service_name, region, resource_id, tags::text, cost_categories::text
            from curparser.current_line_items where data_source_id = @id
            """, new { id = harness.DataSourceId });
        var offsets = fileRows.Select((_, i) => fileRows.Take(i).Sum()).ToArray();
        var checkedRows = 0;
        foreach (var line in lines)
        {
            var row = rows[offsets[line.File - 1] + (int)line.Row - 1];
            Assert.Equal(row.Product.GetValueOrDefault("product_name") ?? row.ProductCode, line.Service);
            Assert.Equal(row.RegionCode ?? row.Product.GetValueOrDefault("region") ?? string.Empty, line.Region);
            Assert.Equal(row.ResourceId ?? string.Empty, line.ResourceId);
            // Tags keyed as people know them: user-defined keys lose the user_ prefix, AWS keys stay as the export gives them.
            var tags = row.Tags.ToDictionary(t => t.Key.StartsWith("user_", StringComparison.Ordinal) ? t.Key["user_".Length..] : t.Key, t => t.Value);
            Assert.Equal(tags.OrderBy(t => t.Key), JsonSerializer.Deserialize<Dictionary<string, string>>(line.Tags)!.OrderBy(t => t.Key));
            Assert.Equal(row.CostCategories.OrderBy(t => t.Key), JsonSerializer.Deserialize<Dictionary<string, string>>(line.Categories)!.OrderBy(t => t.Key));
            checkedRows++;
        }

        Assert.Equal(rows.Count, checkedRows);
        var tagged = await db.QuerySingleAsync<(string Team, string CreatedBy, long Untagged)>(
            """
            select max(tags->>'team') filter (where tags->>'team' like 'data%'), max(tags->>'aws_created_by'), count(*) filter (where tags = '{}'::jsonb)
            from curparser.current_line_items where data_source_id = @id
            """, new { id = harness.DataSourceId });
        Assert.Equal(("data, \"core\"", "IAMUser:AIDAEXAMPLE:ci", rows.LongCount(r => r.Tags.Count == 0)), tagged);
    }
}
