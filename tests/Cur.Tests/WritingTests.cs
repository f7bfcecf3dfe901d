using System.IO.Compression;
using System.Text;
using DigiUsher.Contracts;
using DigiUsher.Cur.Manifests;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Cur.Tests;

/// <summary>What the shared CUR writer (used by the demo, the tests and the benchmark) writes, read back by the production readers.</summary>
public class WritingTests
{
    private static readonly DateTime Hour = new(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task WriteCsvGzip_WhenCellsHoldCommasAndQuotes_ReadsBackEveryCell()
    {
        string[] header = ["lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UnblendedCost", "lineItem/CurrencyCode", "resourceTags/user:team"];
        var gzip = CurCsvWriter.GzipBytes(header,
        [
            ["111111111111", "Usage", "2024-05-01T00:00:00Z", "1.5", "USD", "data, \"core\""],
            ["111111111111", "Usage", "2024-05-01T01:00:00Z", "0.0000001", "EUR", ""],
        ]);

        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, Gunzip(gzip), "w.csv.gz");
        await reader.DisposeAsync();

        Assert.Equal([1.5m, 0.0000001m], items.Select(i => i.Unblended));
        Assert.Equal(["USD", "EUR"], items.Select(i => i.Currency));
        Assert.Equal("""{"team":"data, \"core\""}""", items[0].TagsJson);
        Assert.Equal("{}", items[1].TagsJson);
    }

    [Fact]
    public void Line_WhenACellHoldsAQuote_QuotesOnlyThatCell() =>
        Assert.Equal("a,\"b \"\"c\"\"\",\"d,e\",", CurCsvWriter.Line(["a", "b \"c\"", "d,e", ""]));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WriteCur2_WhenMapsAreEmptyOrFull_ReadsBackTagsProductsAndAmounts(bool parquet)
    {
        CurColumn[] columns =
        [
            new("line_item_usage_account_id", CurColumnKind.String), new("line_item_line_item_type", CurColumnKind.String),
            new("line_item_usage_start_date", CurColumnKind.Timestamp), new("line_item_unblended_cost", CurColumnKind.Double),
            new("line_item_net_unblended_cost", CurColumnKind.Double), new("product", CurColumnKind.Map), new("resource_tags", CurColumnKind.Map),
        ];
        (decimal Cost, decimal? Net, Dictionary<string, string> Product, Dictionary<string, string> Tags)[] rows =
        [
            (1.5m, 1.25m, new() { ["product_name"] = "Amazon Elastic Compute Cloud", ["region"] = "us-east-1" }, new() { ["user_team"] = "data, \"core\"" }),
            (2.25m, null, [], []),
            (0.000001m, null, new() { ["region"] = "eu-west-1" }, new() { ["user_team"] = "web", ["aws_created_by"] = "x" }),
        ];

        var content = parquet ? await Cur2ParquetAsync(columns, rows) : Cur2CsvGzip(columns, rows);
        var (items, reader) = await SampleFiles.ReadAllAsync(parquet ? ReportFormat.Cur2Parquet : ReportFormat.Cur2CsvGzip, parquet ? new MemoryStream(content) : Gunzip(content), "cur2");
        await reader.DisposeAsync();

        Assert.Equal([1.5m, 2.25m, 0.000001m], items.Select(i => i.Unblended));
        Assert.Equal([1.25m, 2.25m, 0.000001m], items.Select(i => i.NetUnblended));
        Assert.Equal("""{"team":"data, \"core\""}""", items[0].TagsJson);
        Assert.Equal("{}", items[1].TagsJson);
        Assert.Equal("""{"aws_created_by":"x","team":"web"}""", items[2].TagsJson);
        Assert.Equal(["Amazon Elastic Compute Cloud", "", ""], items.Select(i => i.ServiceName));
        Assert.Equal(["us-east-1", "", "eu-west-1"], items.Select(i => i.Region));
    }

    [Fact]
    public void LegacyDelivery_WhenItsManifestIsParsed_NamesTheDataFilesColumnsAndPeriod()
    {
        var delivery = new LegacyDelivery("cur", "hourly", new BillingPeriod(2024, 5), "a1");

        var manifest = ManifestParser.ParseLegacy(Encoding.UTF8.GetBytes(
            delivery.Manifest("012345678910", "bucket", ["lineItem/UnblendedCost", "resourceTags/user:team"], [delivery.DataKey(1)])));

        Assert.Equal("cur/hourly/20240501-20240601/a1/hourly-1.csv.gz", delivery.DataKey(1));
        Assert.Equal(["cur/hourly/20240501-20240601/a1/hourly-Manifest.json", "cur/hourly/20240501-20240601/hourly-Manifest.json"], delivery.ManifestKeys);
        Assert.Equal([delivery.DataKey(1)], manifest.ReportKeys);
        Assert.Equal(["lineItem/UnblendedCost", "resourceTags/user:team"], manifest.Columns.Select(c => $"{c.Category}/{c.Name}"));
        Assert.Equal((new BillingPeriod(2024, 5), "a1", "012345678910", ReportFormat.CsvGzip), (manifest.BillingPeriod, manifest.AssemblyId, manifest.Account, manifest.Format));
    }

    [Fact]
    public void DataExportDelivery_WhenItsManifestIsParsed_NamesTheDataFilesColumnsAndPeriod()
    {
        var delivery = new DataExportDelivery("exports", "cur2", new BillingPeriod(2024, 5));
        var path = delivery.DataPath(1, "snappy.parquet");

        var manifest = ManifestParser.ParseDataExport(Encoding.UTF8.GetBytes(
            delivery.Manifest("e1", "012345678910", "bucket", [new("line_item_unblended_cost", CurColumnKind.Double)], [path])));

        Assert.Equal("exports/cur2/data/BILLING_PERIOD=2024-05/cur2-00001.snappy.parquet", delivery.Key(path));
        Assert.Equal("exports/cur2/metadata/BILLING_PERIOD=2024-05/cur2-Manifest.json", delivery.Key(delivery.ManifestPath));
        Assert.Equal([new S3Location("bucket", delivery.Key(path))], manifest.DataFiles);
        Assert.Equal(new BillingPeriod(2024, 5), manifest.BillingPeriod);
        Assert.Equal("e1", manifest.ExecutionId);
        Assert.Equal(["line_item_unblended_cost"], manifest.Columns.Select(c => c.Name));
    }

    /// <summary>The file as the reader gets it: the importer's opener decompresses it.</summary>
    private static GZipStream Gunzip(byte[] gzip) => new(new MemoryStream(gzip), CompressionMode.Decompress);

    private static async Task<byte[]> Cur2ParquetAsync(
        CurColumn[] columns, (decimal Cost, decimal? Net, Dictionary<string, string> Product, Dictionary<string, string> Tags)[] rows)
    {
        using var output = new MemoryStream();
        await using (var parquet = await CurParquetWriter.CreateAsync(output, columns, optional: true, rowGroupSize: 2))
        {
            for (var r = 0; r < rows.Length; r++)
            {
                parquet.Set(0, "111111111111");
                parquet.Set(1, "Usage");
                parquet.Set(2, Hour.AddHours(r));
                parquet.Set(3, (double)rows[r].Cost);
                parquet.Set(4, rows[r].Net is { } net ? (double)net : null);
                parquet.Set(5, rows[r].Product);
                parquet.Set(6, rows[r].Tags);
                await parquet.EndRowAsync();
            }
        }

        return output.ToArray();
    }

    private static byte[] Cur2CsvGzip(
        CurColumn[] columns, (decimal Cost, decimal? Net, Dictionary<string, string> Product, Dictionary<string, string> Tags)[] rows) =>
        CurCsvWriter.GzipBytes(columns.Select(c => c.Name), rows.Select((row, r) => (IReadOnlyList<string>)
        [
            "111111111111", "Usage", $"{Hour.AddHours(r):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}", row.Cost.ToString(System.Globalization.CultureInfo.InvariantCulture),
            row.Net?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", CurCsvWriter.MapCell(row.Product), CurCsvWriter.MapCell(row.Tags),
        ]));
}
