using System.IO.Compression;
using System.Text;
using System.Text.Json.Serialization;
using Parquet.Serialization;

namespace DigiUsher.Reliability.Tests;

/// <summary>Report files an attacker, a broken upload or a buggy exporter could put in a CUR bucket.</summary>
public static class HostileFiles
{
    public const string Period = "2026-09";

    /// <summary>A valid file cut in half, as an interrupted upload leaves it.</summary>
    public static byte[] TruncatedGzip()
    {
        var whole = new CurCsv(Period).AddRows(5_000).Gzip();
        return whole[..(whole.Length / 2)];
    }

    /// <summary>Valid rows repeated until the file decompresses hundreds of times its size.</summary>
    public static byte[] GzipBomb()
    {
        var row = Encoding.UTF8.GetBytes(new CurCsv(Period).AddRows(1).Text.Split('\n')[1] + "\n");
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(Encoding.UTF8.GetBytes(CurCsv.Header + "\n"));
            var block = Enumerable.Repeat(row, 4096).SelectMany(r => r).ToArray();
            for (long written = 0; written < 96L * 1024 * 1024; written += block.Length)
            {
                gzip.Write(block);
            }
        }

        return output.ToArray();
    }

    /// <summary>Row 3 opens a quote that never closes.</summary>
    public static byte[] UnterminatedQuote() =>
        new CurCsv(Period).AddRows(2).AddRawRow("1.5", "\"web").AddRows(3).Gzip();

    public static byte[] HeaderWithoutUnblendedCost()
    {
        var text = new CurCsv(Period).AddRows(3).Text.Replace("lineItem/UnblendedCost", "lineItem/SomethingElse", StringComparison.Ordinal);
        return CurCsv.Compress(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Row 3's cost overflows a double (and any decimal).</summary>
    public static byte[] CostOverflow() => new CurCsv(Period).AddRows(2).AddRawRow("1e309").AddRows(2).Gzip();

    /// <summary>Row 2 carries a 10 MB tag value (quoted, so it is one field).</summary>
    public static byte[] TenMegabyteField() =>
        new CurCsv(Period).AddRows(1).AddRawRow("0.5", "\"" + new string('x', 10 * 1024 * 1024) + "\"").AddRows(1).Gzip();

    /// <summary>Row 3 holds bytes that are not UTF-8 (Latin-1 written into a UTF-8 report).</summary>
    public static byte[] NonUtf8()
    {
        var csv = new CurCsv(Period).AddRows(2).AddRawRow("0.25", "caf\u00e9").AddRows(2);
        var bytes = Encoding.UTF8.GetBytes(csv.Text);
        var marker = Encoding.UTF8.GetBytes("caf\u00e9");
        var at = bytes.AsSpan().IndexOf(marker);
        var latin1 = bytes[..at].Concat(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9, 0xFF }).Concat(bytes[(at + marker.Length)..]).ToArray();
        return CurCsv.Compress(latin1);
    }

    /// <summary>A real Parquet CUR file whose footer length points before the start of the file.</summary>
    public static async Task<byte[]> ParquetWithCorruptFooterAsync()
    {
        var start = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(1, 200).Select(i => new ParquetRow
        {
            LineItemId = $"li{i}",
            UsageAccountId = "444455556666",
            LineItemType = "Usage",
            ProductCode = "AmazonEC2",
            UsageStart = start.AddHours(i),
            UsageEnd = start.AddHours(i + 1),
            Currency = "USD",
            Unblended = i / 100.0,
        }).ToList();
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, stream);
        var bytes = stream.ToArray();
        // Layout: ... footer metadata | 4-byte little-endian footer length | "PAR1".
        BitConverter.GetBytes(int.MaxValue - 16).CopyTo(bytes, bytes.Length - 8);
        return bytes;
    }

    private sealed class ParquetRow
    {
        [JsonPropertyName("identity_line_item_id")]
        public string LineItemId { get; set; } = "";

        [JsonPropertyName("line_item_usage_account_id")]
        public string UsageAccountId { get; set; } = "";

        [JsonPropertyName("line_item_line_item_type")]
        public string LineItemType { get; set; } = "";

        [JsonPropertyName("line_item_product_code")]
        public string ProductCode { get; set; } = "";

        [JsonPropertyName("line_item_usage_start_date")]
        public DateTime UsageStart { get; set; }

        [JsonPropertyName("line_item_usage_end_date")]
        public DateTime UsageEnd { get; set; }

        [JsonPropertyName("line_item_currency_code")]
        public string Currency { get; set; } = "";

        [JsonPropertyName("line_item_unblended_cost")]
        public double Unblended { get; set; }
    }
}
