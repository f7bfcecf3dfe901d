using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Cur.Tests;

public class ReadingParquetTests
{
    [Fact]
    public async Task Read_WhenCur2ParquetWithMapColumns_ReadsTagsAndProductMap()
    {
        using var file = await Cur2ParquetAsync();

        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.Cur2Parquet, file, "cur2.snappy.parquet");
        await reader.DisposeAsync();

        Assert.Equal(3, items.Count);
        Assert.Equal("""{"aws_created_by":"x","cost_center":"cc1"}""", items[0].TagsJson);
        Assert.Equal("Amazon Elastic Compute Cloud", items[0].ServiceName);
        Assert.Equal("us-east-1", items[0].Region);
        Assert.Equal("{}", items[1].TagsJson);
        Assert.Equal("AmazonS3", items[1].ServiceName);
        Assert.Equal("""{"team":"web"}""", items[2].TagsJson);
        Assert.Equal([1.5m, 2.25m, 0.000001m], items.Select(i => i.Unblended));
        Assert.Equal([1.0m, 2.25m, 0.000001m], items.Select(i => i.NetUnblended));
    }

    [Fact]
    public async Task Read_WhenConsecutiveRowsRepeatAndAlternateTheirMaps_EachRowKeepsItsOwnMap()
    {
        var t = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var ec2 = new Dictionary<string, string> { ["product_name"] = "Amazon Elastic Compute Cloud", ["region"] = "us-east-1" };
        var s3 = new Dictionary<string, string> { ["product_name"] = "Amazon Simple Storage Service", ["region"] = "eu-west-1" };
        var ec2West = new Dictionary<string, string> { ["product_name"] = "Amazon Elastic Compute Cloud", ["region"] = "us-west-1" };
        var web = new Dictionary<string, string> { ["user_team"] = "web" };
        var app = new Dictionary<string, string> { ["user_team"] = "app" };
        var data = new Dictionary<string, string> { ["user_team"] = "data", ["user_cost_center"] = "cc1" };
        var none = new Dictionary<string, string>();
        (Dictionary<string, string> Product, Dictionary<string, string> Tags)[] maps =
            [(ec2, web), (ec2, web), (s3, data), (ec2, web), (s3, none), (s3, none), (ec2, data), (ec2, data), (s3, web), (ec2, app), (ec2West, app), (ec2, web)];

        // Row groups of 4 rows: a repeat across a row group boundary too; maps of the same length that differ (web, app; us-east-1, us-west-1).
        using var file = await Cur2ParquetAsync([.. maps.Select((m, i) => ("111111111111", "AmazonEC2", t.AddHours(i), 1.0 + i, (double?)null, m.Product, m.Tags))], rowGroupSize: 4);
        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.Cur2Parquet, file, "cur2.snappy.parquet");
        await reader.DisposeAsync();

        Assert.Equal(maps.Select(m => m.Product["region"]), items.Select(i => i.Region));
        Assert.Equal(maps.Select(m => m.Product["product_name"]), items.Select(i => i.ServiceName));
        Assert.Equal(
            maps.Select(m => m.Tags == web ? """{"team":"web"}""" : m.Tags == app ? """{"team":"app"}""" : m.Tags == data ? """{"cost_center":"cc1","team":"data"}""" : "{}"),
            items.Select(i => i.TagsJson));
    }

    [Fact]
    public async Task Read_WhenBytesAreNotParquet_FailsNamingTheFile()
    {
        var error = await Assert.ThrowsAsync<CurFormatException>(() =>
            SampleFiles.ReadAllAsync(ReportFormat.Parquet, new MemoryStream("not parquet at all, just text"u8.ToArray()), "x.parquet"));

        Assert.Equal("x.parquet", error.File);
    }

    /// <summary>A CUR 2.0 export in miniature: top-level columns and MAP columns, as Data Exports writes them (through the CUR writer).</summary>
    private static async Task<MemoryStream> Cur2ParquetAsync(
        (string Account, string Code, DateTime Start, double Cost, double? Net, Dictionary<string, string> Product, Dictionary<string, string> Tags)[]? rows = null,
        int rowGroupSize = 100_000)
    {
        CurColumn[] columns =
        [
            new("line_item_usage_account_id", CurColumnKind.String), new("line_item_line_item_type", CurColumnKind.String),
            new("line_item_product_code", CurColumnKind.String), new("line_item_usage_start_date", CurColumnKind.Timestamp),
            new("line_item_unblended_cost", CurColumnKind.Double), new("line_item_net_unblended_cost", CurColumnKind.Double),
            new("product", CurColumnKind.Map), new("resource_tags", CurColumnKind.Map),
        ];
        var t = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        rows ??=
        [
            ("111111111111", "AmazonEC2", t, 1.5, 1.0,
                new() { ["product_name"] = "Amazon Elastic Compute Cloud", ["region"] = "us-east-1" }, new() { ["user_cost_center"] = "cc1", ["aws_created_by"] = "x" }),
            ("111111111111", "AmazonS3", t, 2.25, null, new() { ["region"] = "eu-west-1" }, new() { ["user_team"] = string.Empty }),
            ("222222222222", "AmazonEC2", t.AddHours(1), 0.000001, null, new() { ["product_name"] = "Amazon Elastic Compute Cloud" }, new() { ["user_team"] = "web" }),
        ];
        var file = new MemoryStream();
        await using (var writer = await CurParquetWriter.CreateAsync(file, columns, optional: true, rowGroupSize))
        {
            foreach (var row in rows)
            {
                writer.Set(0, row.Account);
                writer.Set(1, "Usage");
                writer.Set(2, row.Code);
                writer.Set(3, row.Start);
                writer.Set(4, row.Cost);
                writer.Set(5, row.Net);
                writer.Set(6, row.Product);
                writer.Set(7, row.Tags);
                await writer.EndRowAsync();
            }
        }

        return new MemoryStream(file.ToArray());
    }
}
