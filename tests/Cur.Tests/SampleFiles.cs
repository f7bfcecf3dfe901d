using System.IO.Compression;
using System.Text;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.Testing;

namespace DigiUsher.Cur.Tests;

/// <summary>The real CUR samples in <c>../shared/samples</c> (see its README.txt) and small in-memory fixtures.</summary>
internal static class SampleFiles
{
    public static string Root =>
        Environment.GetEnvironmentVariable("DIGIUSHER_SAMPLES")
        ?? System.IO.Path.GetFullPath(System.IO.Path.Combine(TestEnvironment.RepositoryRoot, "..", "shared", "samples"));

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>Reads every line item of a file through the production reader.</summary>
    public static async Task<(List<CurLineItem> Items, CurReader Reader)> ReadAllAsync(ReportFormat format, Stream content, string name, CurReaderOptions? options = null)
    {
        var reader = await CurReader.OpenAsync(format, content, name, options ?? CurReaderOptions.Default, CancellationToken.None);
        var items = new List<CurLineItem>();
        var batch = Enumerable.Range(0, 100).Select(_ => new CurLineItem()).ToArray();
        int count;
        while ((count = await reader.ReadAsync(batch, CancellationToken.None)) > 0)
        {
            items.AddRange(batch.Take(count).Select(Copy));
        }

        return (items, reader);
    }

    public static Task<(List<CurLineItem> Items, CurReader Reader)> ReadCsvTextAsync(string csv, CurReaderOptions? options = null) =>
        ReadAllAsync(ReportFormat.CsvGzip, new MemoryStream(Encoding.UTF8.GetBytes(csv)), "test.csv", options);

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static CurLineItem Copy(CurLineItem s) => new()
    {
        FileIndex = s.FileIndex, RowNumber = s.RowNumber, UsageAccountId = s.UsageAccountId, PayerAccountId = s.PayerAccountId,
        LineItemType = s.LineItemType, ProductCode = s.ProductCode, ServiceName = s.ServiceName, UsageType = s.UsageType,
        Operation = s.Operation, Region = s.Region, AvailabilityZone = s.AvailabilityZone, ResourceId = s.ResourceId,
        PricingUnit = s.PricingUnit, Currency = s.Currency, InvoiceId = s.InvoiceId, UsageStart = s.UsageStart, UsageEnd = s.UsageEnd,
        UsageAmount = s.UsageAmount, Unblended = s.Unblended, NetUnblended = s.NetUnblended, Blended = s.Blended,
        Amortized = s.Amortized, PublicOnDemand = s.PublicOnDemand, TagsJson = s.TagsJson, CostCategoriesJson = s.CostCategoriesJson,
    };
}
