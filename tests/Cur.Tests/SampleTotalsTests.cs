using System.Globalization;
using DigiUsher.Contracts;
using Microsoft.VisualBasic.FileIO;
using Parquet;

namespace DigiUsher.Cur.Tests;

/// <summary>
/// The production readers against the real samples, each checked against an independent sum made
/// by another code path (VB's TextFieldParser for CSV, Parquet.Net's raw columns for Parquet).
/// </summary>
public class SampleTotalsTests
{
    [Theory]
    [InlineData("Oct2018-WorkshopCUR-00001.snappy.parquet", 119_307)]
    [InlineData("Nov2018-WorkshopCUR-00001.snappy.parquet", 124_340)]
    [InlineData("Dec2018-WorkshopCUR-00001.snappy.parquet", 91_264)]
    public async Task ReadParquet_WhenWorkshopSample_TotalsPerLineItemTypeEqualRawColumnSums(string file, int rows)
    {
        var path = SampleFiles.Path($"cur-legacy-parquet-wa-workshop/{file}");
        var expected = await RawParquetSumsAsync(path);

        await using var stream = File.OpenRead(path);
        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.Parquet, stream, file);
        await reader.DisposeAsync();

        Assert.Equal(rows, items.Count);
        var actual = items.GroupBy(i => i.LineItemType).ToDictionary(g => g.Key, g => (Unblended: g.Sum(i => i.Unblended), Blended: g.Sum(i => i.Blended)));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (type, sums) in expected)
        {
            Assert.True(Math.Abs(sums.Unblended - actual[type].Unblended) < 1e-6m, $"{type} unblended {actual[type].Unblended} vs {sums.Unblended}");
            Assert.True(Math.Abs(sums.Blended - actual[type].Blended) < 1e-6m, $"{type} blended {actual[type].Blended} vs {sums.Blended}");
        }

        Assert.All(items, i => Assert.Equal(DateTimeKind.Utc, i.UsageStart.Kind));
        Assert.Contains(items, i => i.TagsJson.Contains("\"cost_center\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadParquet_WhenWorkshopSampleHasReservedInstances_AmortizedFollowsEffectiveCostRules()
    {
        var path = SampleFiles.Path("cur-legacy-parquet-wa-workshop/Oct2018-WorkshopCUR-00001.snappy.parquet");
        var raw = await RawParquetColumnsAsync(path, "line_item_line_item_type", "reservation_effective_cost",
            "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee", "line_item_unblended_cost");
        decimal expected = 0;
        for (var i = 0; i < raw.Rows; i++)
        {
            var type = (string)raw.Columns[0].GetValue(i)!;
            expected += type switch
            {
                "DiscountedUsage" => (decimal)(double)raw.Columns[1].GetValue(i)!,
                "RIFee" => (decimal)(double)raw.Columns[2].GetValue(i)! + (decimal)(double)raw.Columns[3].GetValue(i)!,
                _ => (decimal)(double)raw.Columns[4].GetValue(i)!,
            };
        }

        await using var stream = File.OpenRead(path);
        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.Parquet, stream, "oct.parquet");
        await reader.DisposeAsync();

        Assert.True(Math.Abs(expected - items.Sum(i => i.Amortized)) < 1e-6m, $"{items.Sum(i => i.Amortized)} vs {expected}");
        Assert.NotEqual(items.Sum(i => i.Unblended), items.Sum(i => i.Amortized));
    }

    [Theory]
    [InlineData("test_cur.csv", false)]
    [InlineData("test_cur.csv.gz", true)]
    [InlineData("2023-06-01.csv", false)]
    [InlineData("2022-07-01-alt-columns.csv", false)]
    public async Task ReadCsv_WhenKokuSample_TotalsPerLineItemTypeEqualIndependentParse(string file, bool gzipped)
    {
        var path = SampleFiles.Path($"cur-legacy-csv-koku/{file}");
        var bytes = await File.ReadAllBytesAsync(path);
        var text = gzipped ? DecompressToText(bytes) : System.Text.Encoding.UTF8.GetString(bytes);
        var expected = IndependentCsvSums(text);

        Stream content = gzipped ? new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress) : new MemoryStream(bytes);
        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, content, file);
        await reader.DisposeAsync();

        var actual = items.GroupBy(i => (i.LineItemType, i.Currency)).ToDictionary(g => g.Key, g => g.Sum(i => i.Unblended));
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, sum) in expected)
        {
            Assert.True(Math.Abs(sum - actual[key]) < 1e-6m, $"{key}: {actual[key]} vs {sum}");
        }
    }

    [Fact]
    public async Task ReadCsv_WhenKokuSavingsPlanSample_AmortizedIsTheSavingsPlanEffectiveCost()
    {
        var bytes = await File.ReadAllBytesAsync(SampleFiles.Path("cur-legacy-csv-koku/2023-06-01.csv"));

        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "2023-06-01.csv.gz");
        await reader.DisposeAsync();

        Assert.Equal(3, items.Count);
        Assert.All(items, i =>
        {
            Assert.Equal("SavingsPlanCoveredUsage", i.LineItemType);
            Assert.Equal("NOK", i.Currency);
            Assert.Equal(10m, i.Unblended);
            Assert.Equal(0.1m, i.Amortized);
        });
        Assert.Contains(items, i => i.CostCategoriesJson.Contains("\"cost_env\":\"prod\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadCsv_WhenHeaderHasFusedColumns_ImportsTheRestAndReportsTheBrokenColumn()
    {
        var bytes = await File.ReadAllBytesAsync(SampleFiles.Path("cur-legacy-csv-koku/test_cur.csv"));

        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "test_cur.csv.gz");
        await reader.DisposeAsync();

        Assert.Equal(19, items.Count);
        Assert.Contains(reader.Warnings, w => w.Contains("pricing/OfferingClasspricing/PurchaseOption", StringComparison.Ordinal));
        Assert.All(items, i => Assert.NotEqual(0m, i.PublicOnDemand + i.Unblended));
        Assert.Contains(items, i => i.PublicOnDemand == 0.00165303109242778m);
    }

    [Fact]
    public async Task ReadCsv_WhenSnakeCaseHeaders_MapsThemLikeCategoryHeaders()
    {
        var bytes = await File.ReadAllBytesAsync(SampleFiles.Path("cur-legacy-csv-koku/2022-07-01-alt-columns.csv"));

        var (items, reader) = await SampleFiles.ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(bytes), "alt.csv.gz");
        await reader.DisposeAsync();

        Assert.Equal(2, items.Count);
        Assert.All(items, i =>
        {
            Assert.Equal(new DateTime(2022, 7, 1, 0, 0, 0, DateTimeKind.Utc), i.UsageStart.Date);
            Assert.NotEmpty(i.UsageAccountId);
            Assert.NotEmpty(i.LineItemType);
        });
    }

    private static string DecompressToText(byte[] gz)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(input);
        return reader.ReadToEnd();
    }

    /// <summary>Sums the unblended cost per (line item type, currency) with VB's TextFieldParser, by header name.</summary>
    private static Dictionary<(string, string), decimal> IndependentCsvSums(string text)
    {
        using var parser = new TextFieldParser(new StringReader(text)) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        int Index(params string[] names) => names.Select(n => Array.IndexOf(header, n)).FirstOrDefault(i => i >= 0, -1);
        var type = Index("lineItem/LineItemType", "line_item_line_item_type");
        var cost = Index("lineItem/UnblendedCost", "line_item_unblended_cost");
        var currency = Index("lineItem/CurrencyCode", "line_item_currency_code");
        var sums = new Dictionary<(string, string), decimal>();
        while (!parser.EndOfData)
        {
            var fields = parser.ReadFields()!;
            var key = (fields[type], fields[currency] is { Length: > 0 } c ? c : "USD");
            sums[key] = sums.GetValueOrDefault(key) + decimal.Parse(fields[cost], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return sums;
    }

    private static async Task<Dictionary<string, (decimal Unblended, decimal Blended)>> RawParquetSumsAsync(string path)
    {
        var raw = await RawParquetColumnsAsync(path, "line_item_line_item_type", "line_item_unblended_cost", "line_item_blended_cost");
        var sums = new Dictionary<string, (double Unblended, double Blended)>();
        for (var i = 0; i < raw.Rows; i++)
        {
            var type = (string)raw.Columns[0].GetValue(i)!;
            var current = sums.GetValueOrDefault(type);
            sums[type] = (current.Unblended + (double)raw.Columns[1].GetValue(i)!, current.Blended + (double)raw.Columns[2].GetValue(i)!);
        }

        return sums.ToDictionary(s => s.Key, s => ((decimal)s.Value.Unblended, (decimal)s.Value.Blended));
    }

    /// <summary>Whole columns through Parquet.Net's untyped raw column API (strings as string, doubles as double).</summary>
    private static async Task<(long Rows, Array[] Columns)> RawParquetColumnsAsync(string path, params string[] names)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var columns = names.Select(_ => new List<object?>()).ToArray();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            for (var c = 0; c < names.Length; c++)
            {
                var field = fields.Single(f => f.Name == names[c]);
                // The samples' columns are required (no definition levels): read them raw, not through
                // Parquet.Net's nullable overloads (see ParquetColumnReader for why).
                Assert.Equal(0, field.MaxDefinitionLevel);
                if (field.ClrType == typeof(double))
                {
                    var values = new double[group.RowCount];
                    await group.ReadRawAsync<double>(field, values, null, null);
                    columns[c].AddRange(values.Select(v => (object?)v));
                }
                else
                {
                    var values = new ReadOnlyMemory<char>[group.RowCount];
                    await group.ReadRawAsync<ReadOnlyMemory<char>>(field, values, null, null);
                    columns[c].AddRange(values.Select(v => (object?)v.ToString()));
                }
            }
        }

        return (columns[0].Count, columns.Select(c => (Array)c.ToArray()).ToArray());
    }
}
