using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using Parquet;
using Parquet.Schema;

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
    public async Task Read_WhenBytesAreNotParquet_FailsNamingTheFile()
    {
        var error = await Assert.ThrowsAsync<CurFormatException>(() =>
            SampleFiles.ReadAllAsync(ReportFormat.Parquet, new MemoryStream("not parquet at all, just text"u8.ToArray()), "x.parquet"));

        Assert.Equal("x.parquet", error.File);
    }

    /// <summary>A CUR 2.0 export in miniature: top-level columns and MAP columns, as Data Exports writes them.</summary>
    private static async Task<MemoryStream> Cur2ParquetAsync()
    {
        var account = new DataField<string>("line_item_usage_account_id");
        var type = new DataField<string>("line_item_line_item_type");
        var code = new DataField<string>("line_item_product_code");
        var start = new DataField<DateTime>("line_item_usage_start_date");
        var cost = new DataField<double>("line_item_unblended_cost");
        var net = new DataField<double?>("line_item_net_unblended_cost");
        var product = new MapField("product", new DataField<string>("key", false), new DataField<string>("value"));
        var tags = new MapField("resource_tags", new DataField<string>("key", false), new DataField<string>("value"));
        var schema = new ParquetSchema(account, type, code, start, cost, net, product, tags);
        var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream, null, false))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(account, new[] { "111111111111", "111111111111", "222222222222" });
            await group.WriteAsync(type, new[] { "Usage", "Usage", "Usage" });
            await group.WriteAsync(code, new[] { "AmazonEC2", "AmazonS3", "AmazonEC2" });
            var t = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
            await group.WriteAsync<DateTime>(start, new[] { t, t, t.AddHours(1) });
            await group.WriteAsync<double>(cost, new[] { 1.5, 2.25, 0.000001 });
            await group.WriteAsync<double>(net, new double?[] { 1.0, null, null });
            await group.WriteAsync((DataField)product.Key, new[] { "product_name", "region", "region", "product_name" }, new[] { 0, 1, 0, 0 });
            await group.WriteAsync((DataField)product.Value, new[] { "Amazon Elastic Compute Cloud", "us-east-1", "eu-west-1", "Amazon Elastic Compute Cloud" }, new[] { 0, 1, 0, 0 });
            await group.WriteAsync((DataField)tags.Key, new[] { "user_cost_center", "aws_created_by", "user_team", "user_team" }, new[] { 0, 1, 0, 0 });
            await group.WriteAsync((DataField)tags.Value, new[] { "cc1", "x", string.Empty, "web" }, new[] { 0, 1, 0, 0 });
        }

        stream.Position = 0;
        return stream;
    }
}
