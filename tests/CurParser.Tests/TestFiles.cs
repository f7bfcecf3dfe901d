using System.Globalization;
using System.IO.Compression;
using System.Text;
using DigiUsher.Cur.Writing;
using DigiUsher.Testing;
using Microsoft.VisualBasic.FileIO;
using Parquet;

namespace DigiUsher.CurParser.Tests;

/// <summary>The real samples (../shared/samples) and independent sums of their cost columns.</summary>
internal static class TestFiles
{
    public static string Sample(string relative) => Path.Combine(
        Environment.GetEnvironmentVariable("DIGIUSHER_SAMPLES") ?? Path.GetFullPath(Path.Combine(TestEnvironment.RepositoryRoot, "..", "shared", "samples")),
        relative);

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static byte[] Zip(string entryName, byte[] content)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(entryName).Open();
            entry.Write(content);
        }

        return output.ToArray();
    }

    public static string Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A small legacy CUR CSV: <paramref name="rows"/> hourly EC2 rows of <paramref name="cost"/> each.</summary>
    public static byte[] SmallCsv(int rows, decimal cost, string team = "web")
    {
        string[] header =
        [
            "identity/LineItemId", "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode",
            "product/ProductName", "product/regionCode", "lineItem/UsageType", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/UnblendedCost",
            "lineItem/CurrencyCode", "resourceTags/user:team",
        ];
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return CurCsvWriter.GzipBytes(header, Enumerable.Range(0, rows).Select(i =>
        {
            var hour = start.AddHours(i % 48);
            return (IReadOnlyList<string>)
            [
                $"id{i}", "123456789012", "Usage", Iso(hour), Iso(hour.AddHours(1)), "AmazonEC2", "Amazon Elastic Compute Cloud", "us-east-1",
                "BoxUsage:m5.large", $"i-{i % 7:D17}", "1", cost.ToString(CultureInfo.InvariantCulture), "USD", team,
            ];
        }));

        static string Iso(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    /// <summary>Unblended cost per (line item type, currency), by VB's TextFieldParser and header name.</summary>
    public static Dictionary<(string Type, string Currency), decimal> CsvSums(string text) =>
        CsvSums(text, "lineItem/LineItemType", "lineItem/UnblendedCost", "lineItem/CurrencyCode");

    /// <summary>The sum of <paramref name="costColumn"/> per (line item type, currency), by VB's TextFieldParser and header name.</summary>
    public static Dictionary<(string Type, string Currency), decimal> CsvSums(string text, string typeColumn, string costColumn, string currencyColumn)
    {
        using var parser = new TextFieldParser(new StringReader(text)) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        var type = Array.IndexOf(header, typeColumn);
        var cost = Array.IndexOf(header, costColumn);
        var currency = Array.IndexOf(header, currencyColumn);
        var sums = new Dictionary<(string, string), decimal>();
        while (!parser.EndOfData)
        {
            var fields = parser.ReadFields()!;
            var key = (fields[type], fields[currency] is { Length: > 0 } c ? c : "USD");
            sums[key] = sums.GetValueOrDefault(key) + decimal.Parse(fields[cost], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return sums;
    }

    /// <summary>
    /// The sum of an optional double column per line item type, from Parquet.Net's raw columns with our own
    /// buffers (CUR 2.0 columns are optional: values come packed, definition levels say which rows have one).
    /// </summary>
    public static async Task<Dictionary<string, double>> OptionalParquetSumsAsync(byte[] parquet, string typeColumn, string costColumn)
    {
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(parquet));
        var fields = reader.Schema.GetDataFields();
        var typeField = fields.Single(f => f.Name == typeColumn);
        var costField = fields.Single(f => f.Name == costColumn);
        var sums = new Dictionary<string, double>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = checked((int)group.RowCount);
            var types = new ReadOnlyMemory<char>[rows];
            var typeLevels = new int[rows];
            var costs = new double[rows];
            var costLevels = new int[rows];
            await group.ReadRawAsync<ReadOnlyMemory<char>>(typeField, types, typeLevels, null);
            await group.ReadRawAsync<double>(costField, costs, costLevels, null);
            int typeIndex = 0, costIndex = 0;
            for (var i = 0; i < rows; i++)
            {
                var type = typeLevels[i] == typeField.MaxDefinitionLevel ? types[typeIndex++].ToString() : string.Empty;
                var cost = costLevels[i] == costField.MaxDefinitionLevel ? costs[costIndex++] : 0;
                sums[type] = sums.GetValueOrDefault(type) + cost;
            }
        }

        return sums;
    }

    /// <summary>Unblended cost per line item type, from Parquet.Net's raw columns (doubles summed as doubles).</summary>
    public static async Task<Dictionary<string, double>> ParquetSumsAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var typeField = fields.Single(f => f.Name == "line_item_line_item_type");
        var costField = fields.Single(f => f.Name == "line_item_unblended_cost");
        var sums = new Dictionary<string, double>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            // Required columns in the samples, read raw: Parquet.Net 6.1's nullable overloads take pooled
            // leftovers for null markers (see ParquetColumnReader).
            var types = new ReadOnlyMemory<char>[group.RowCount];
            var costs = new double[group.RowCount];
            await group.ReadRawAsync<ReadOnlyMemory<char>>(typeField, types, null, null);
            await group.ReadRawAsync<double>(costField, costs, null, null);
            for (var i = 0; i < types.Length; i++)
            {
                var type = types[i].ToString();
                sums[type] = sums.GetValueOrDefault(type) + costs[i];
            }
        }

        return sums;
    }
}
