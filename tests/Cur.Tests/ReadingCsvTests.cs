using System.IO.Compression;
using System.Text;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;

namespace DigiUsher.Cur.Tests;

public class ReadingCsvTests
{
    private const string Header = "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/CurrencyCode,resourceTags/user:team\n";

    [Fact]
    public async Task Read_WhenAmountIsBeyondDecimalRange_FailsNamingFileRowAndColumn()
    {
        var csv = Header + "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,web\n111111111111,Usage,2024-01-01T00:00:00Z,1e309,USD,web\n";

        var error = await Assert.ThrowsAsync<CurFormatException>(() => SampleFiles.ReadCsvTextAsync(csv));

        Assert.Equal("test.csv", error.File);
        Assert.Equal(2, error.Row);
        Assert.Contains("lineItem/UnblendedCost", error.Reason, StringComparison.Ordinal);
        Assert.Contains("1e309", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_WhenBytesAreNotUtf8_FailsSayingSo()
    {
        var bytes = Encoding.UTF8.GetBytes(Header + "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,").Concat(new byte[] { 0xC3, 0x28, 0xFF, (byte)'\n' }).ToArray();

        var error = await Assert.ThrowsAsync<CurFormatException>(() =>
            SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "bad.csv"));

        Assert.Contains("UTF-8", error.Reason, StringComparison.Ordinal);
        Assert.Equal("bad.csv", error.File);
        Assert.Equal(1, error.Row);
    }

    /// <summary>A small file is decoded whole while the header is read: the error must still name the data row, not the header.</summary>
    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 5)]
    [InlineData(5_000, 5_001)]
    public async Task Read_WhenADataRowHoldsLatin1Bytes_FailsNamingThatRow(int rowsBefore, int rowsAfter)
    {
        var good = "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,web\n";
        var bytes = Encoding.UTF8.GetBytes(Header + string.Concat(Enumerable.Repeat(good, rowsBefore)) + "111111111111,Usage,2024-01-01T00:00:00Z,0.25,USD,caf")
            .Concat(new byte[] { 0xE9, (byte)'\n' })
            .Concat(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(good, rowsAfter))))
            .ToArray();

        var error = await Assert.ThrowsAsync<CurFormatException>(() =>
            SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "latin1.csv"));

        Assert.Equal("latin1.csv", error.File);
        Assert.Equal(rowsBefore + 1, error.Row);
        Assert.Contains("UTF-8", error.Reason, StringComparison.Ordinal);
        Assert.Contains("E9", error.Reason, StringComparison.Ordinal);
        Assert.Contains($"latin1.csv, row {rowsBefore + 1}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_WhenTheHeaderHoldsInvalidBytes_FailsNamingTheHeader()
    {
        var bytes = new byte[] { (byte)'x', 0xFF, (byte)',' }.Concat(Encoding.UTF8.GetBytes(Header + "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,web\n")).ToArray();

        var error = await Assert.ThrowsAsync<CurFormatException>(() =>
            SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "header.csv"));

        Assert.Equal("header.csv", error.File);
        Assert.Null(error.Row);
        Assert.Contains("header is not valid UTF-8", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_WhenTextHoldsAnEncodedReplacementCharacter_ReadsIt()
    {
        var csv = Header + "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,w\uFFFDb\n";

        var (items, _) = await SampleFiles.ReadCsvTextAsync(csv);

        Assert.Equal("{\"team\":\"w\uFFFDb\"}", items.Single().TagsJson);
    }

    [Fact]
    public async Task Read_WhenAQuoteIsNeverClosed_FailsWithUnterminatedQuote()
    {
        var csv = Header + "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,web\n111111111111,Usage,2024-01-01T00:00:00Z,2.5,USD,\"web\n1,2,3\n";

        var error = await Assert.ThrowsAsync<CurFormatException>(() => SampleFiles.ReadCsvTextAsync(csv));

        Assert.Contains("unterminated", error.Reason, StringComparison.Ordinal);
        Assert.Equal(2, error.Row);
    }

    [Fact]
    public async Task Read_WhenUnblendedCostColumnIsMissing_FailsNamingTheColumn()
    {
        var csv = "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate\n1,Usage,2024-01-01T00:00:00Z\n";

        var error = await Assert.ThrowsAsync<CurFormatException>(() => SampleFiles.ReadCsvTextAsync(csv));

        Assert.Contains("lineItem/UnblendedCost", error.Reason, StringComparison.Ordinal);
        Assert.Equal("test.csv", error.File);
    }

    [Fact]
    public async Task Read_WhenAFieldIsLongerThanTheLimit_FailsNamingTheColumn()
    {
        var csv = Header + $"111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,{new string('x', 5000)}\n";

        var error = await Assert.ThrowsAsync<CurFormatException>(() => SampleFiles.ReadCsvTextAsync(csv, new CurReaderOptions { MaxFieldLength = 1024 }));

        Assert.Contains("resourceTags/user:team", error.Reason, StringComparison.Ordinal);
        Assert.Equal(1, error.Row);
    }

    [Fact]
    public async Task Read_WhenGzipExpandsBeyondTheRatio_FailsAsDecompressionBomb()
    {
        var row = "111111111111,Usage,2024-01-01T00:00:00Z,1.5,USD,web\n";
        var text = new StringBuilder(Header);
        for (var i = 0; i < 200_000; i++)
        {
            text.Append(row);
        }

        var gz = SampleFiles.Gzip(Encoding.UTF8.GetBytes(text.ToString()));
        var options = new CurReaderOptions { MaxCompressionRatio = 20, CompressionRatioGraceBytes = 64 * 1024 };
        var guarded = DecompressionGuardStream.Create(new MemoryStream(gz), s => new GZipStream(s, CompressionMode.Decompress), options);

        var error = await Assert.ThrowsAsync<CurFormatException>(() => SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, guarded, "bomb.csv.gz", options));

        Assert.Contains("decompression bomb", error.Reason, StringComparison.Ordinal);
        Assert.Equal("bomb.csv.gz", error.File);
    }

    [Fact]
    public async Task Read_WhenRowsAreValid_NormalizesDimensionsTagsAndTimestamps()
    {
        var csv = "identity/TimeInterval,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode," +
                  "product/ProductName,product/region,lineItem/UnblendedCost,lineItem/BlendedCost,resourceTags/user:team,resourceTags/aws:createdBy,bill/InvoiceId\n" +
                  "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z,123456789012,Usage,2024-01-01 00:00:00,2024-01-01 01:00:00,AmazonEC2,Amazon Elastic Compute Cloud,us-east-1,0.25,0.2,web,\"arn:aws:iam::1:user/\"\"bob\"\"\",\n" +
                  "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z,123456789012,Tax,2024-01-01T00:00:00.000Z,,AWSSupport,,,1.0E-7,,,,INV-1\n";

        var (items, reader) = await SampleFiles.ReadCsvTextAsync(csv);

        Assert.Equal(2, items.Count);
        var usage = items[0];
        Assert.Equal("Amazon Elastic Compute Cloud", usage.ServiceName);
        Assert.Equal("us-east-1", usage.Region);
        Assert.Equal(new DateTime(2024, 1, 1, 1, 0, 0, DateTimeKind.Utc), usage.UsageEnd);
        Assert.Equal(0.25m, usage.Unblended);
        Assert.Equal(0.25m, usage.NetUnblended);
        Assert.Equal(0.2m, usage.Blended);
        Assert.Equal("USD", usage.Currency);
        Assert.Equal("""{"aws:createdBy":"arn:aws:iam::1:user/\"bob\"","team":"web"}""", usage.TagsJson);
        var tax = items[1];
        Assert.Equal("AWSSupport", tax.ServiceName);
        Assert.Equal(0.0000001m, tax.Unblended);
        Assert.Equal("{}", tax.TagsJson);
        Assert.True(reader.SawInvoiceId);
    }

    [Fact]
    public async Task Read_WhenCur2CsvWithJsonMapColumns_ReadsTagsRegionAndProductName()
    {
        var csv = "line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_unblended_cost,line_item_net_unblended_cost,product,resource_tags,cost_category\n" +
                  "123456789012,Usage,2024-05-01T00:00:00Z,2.5,2.0,\"{\"\"product_name\"\":\"\"Amazon S3\"\",\"\"region\"\":\"\"eu-west-1\"\"}\",\"{\"\"user_cost_center\"\":\"\"cc1\"\",\"\"aws_created_by\"\":\"\"x\"\"}\",\"{\"\"env\"\":\"\"prod\"\"}\"\n";

        var (items, _) = await SampleFiles.ReadCsvTextAsync(csv);

        var item = Assert.Single(items);
        Assert.Equal("Amazon S3", item.ServiceName);
        Assert.Equal("eu-west-1", item.Region);
        Assert.Equal(2.0m, item.NetUnblended);
        Assert.Equal("""{"aws_created_by":"x","cost_center":"cc1"}""", item.TagsJson);
        Assert.Equal("""{"env":"prod"}""", item.CostCategoriesJson);
    }
}
