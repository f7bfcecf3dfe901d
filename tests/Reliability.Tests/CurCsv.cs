using System.Globalization;
using System.IO.Compression;
using System.Text;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Reliability.Tests;

/// <summary>A legacy CUR CSV (the columns AWS writes for a line item) whose totals are known to the cent.</summary>
public sealed class CurCsv
{
    public const string Header =
        "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType," +
        "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/ResourceId," +
        "lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/BlendedCost,product/ProductName,product/region,resourceTags/user:team";

    private readonly StringBuilder _text = new(Header + "\n");

    public CurCsv(string billingPeriod) => Period = DateTime.ParseExact(billingPeriod + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public DateTime Period { get; }

    public decimal Unblended { get; private set; }

    public long Rows { get; private set; }

    /// <summary>Adds <paramref name="count"/> hourly EC2 rows; costs vary per row, so a lost or doubled row changes the total.</summary>
    public CurCsv AddRows(int count, int seed = 1)
    {
        for (var i = 0; i < count; i++)
        {
            var n = Rows + 1;
            var cost = (((n * 7919) + seed) % 100_000 + 1) / 10_000m;
            var start = Period.AddHours(n % (24 * 28));
            AddRow(n, start, cost.ToString(CultureInfo.InvariantCulture), $"i-{n % 500:x8}", $"team{n % 7}", raw: false);
            Unblended += cost;
        }

        return this;
    }

    /// <summary>Adds one row with a raw cost cell and a raw tag cell (hostile values go here).</summary>
    public CurCsv AddRawRow(string costCell, string teamCell = "web")
    {
        AddRow(Rows + 1, Period, costCell, "i-0000beef", teamCell, raw: true);
        return this;
    }

    public CurCsv AddRawLine(string line)
    {
        _text.Append(line).Append('\n');
        Rows++;
        return this;
    }

    public string Text => _text.ToString();

    public byte[] Bytes => Encoding.UTF8.GetBytes(Text);

    public byte[] Gzip() => Compress(Bytes);

    public static byte[] Compress(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>One line item; a <paramref name="raw"/> one goes in unquoted, as the hostile test wrote it (a stray quote stays stray).</summary>
    private void AddRow(long n, DateTime start, string costCell, string resource, string team, bool raw)
    {
        var end = start.AddHours(1);
        string[] cells =
        [
            $"li{n}", $"{Iso(start)}/{Iso(end)}", "111122223333", Iso(Period), "444455556666", "Usage", Iso(start), Iso(end), "AmazonEC2", "BoxUsage:m5.large",
            "RunInstances", resource, "1", "USD", costCell, costCell, "Amazon Elastic Compute Cloud", "us-east-1", team,
        ];
        _text.Append(raw ? string.Join(',', cells) : CurCsvWriter.Line(cells)).Append('\n');
        Rows++;
    }

    private static string Iso(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
