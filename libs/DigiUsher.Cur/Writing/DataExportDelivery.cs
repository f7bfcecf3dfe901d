using System.Text.Json;
using DigiUsher.Cur.Layout;

namespace DigiUsher.Cur.Writing;

/// <summary>
/// The keys and manifest of one CUR 2.0 (AWS Data Exports, overwrite) delivery: data files under
/// <c>data/BILLING_PERIOD=YYYY-MM/</c>, then the manifest under <c>metadata/BILLING_PERIOD=YYYY-MM/</c>
/// (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html). An export that
/// creates a new version per refresh writes each refresh's files in an execution folder under the partition, without a manifest.
/// </summary>
/// <param name="Prefix">The export's S3 path prefix (no trailing slash; empty for none).</param>
/// <param name="ExportName">The export name.</param>
/// <param name="Period">The month the delivery covers.</param>
public sealed record DataExportDelivery(string Prefix, string ExportName, BillingPeriod Period)
{
    /// <summary>The partition folder name: <c>BILLING_PERIOD=YYYY-MM</c>.</summary>
    public string Partition => $"BILLING_PERIOD={Period}";

    /// <summary>The key of data file <paramref name="number"/> (from 1), relative to the export folder; in <paramref name="execution"/>'s folder when given.</summary>
    public string DataPath(int number, string extension, string? execution = null) =>
        execution is null ? $"data/{Partition}/{ExportName}-{number:D5}.{extension}" : $"data/{Partition}/{execution}/{ExportName}-{number:D5}.{extension}";

    /// <summary>The manifest's key, relative to the export folder.</summary>
    public string ManifestPath => $"metadata/{Partition}/{ExportName}-Manifest.json";

    /// <summary>The full key of <paramref name="path"/> (relative to the export folder).</summary>
    public string Key(string path) => $"{CurKeys.ListingPrefix(Prefix, ExportName)}{path}";

    /// <summary>
    /// The manifest's JSON as Data Exports writes it (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-manifest.html):
    /// execution, export, columns with their types, the data files as <c>s3://</c> URIs, the billing period.
    /// </summary>
    public string Manifest(string executionId, string account, string bucket, IEnumerable<CurColumn> columns, IEnumerable<string> dataPaths) =>
        ManifestOfKeys(executionId, account, bucket, columns, dataPaths.Select(Key));

    /// <summary>
    /// The manifest listing data files by their full keys in <paramref name="bucket"/>, wherever they are (a replicated
    /// bucket's manifest names the source bucket's files).
    /// </summary>
    public string ManifestOfKeys(string executionId, string account, string bucket, IEnumerable<CurColumn> columns, IEnumerable<string> dataKeys) =>
        JsonSerializer.Serialize(new
        {
            executionId,
            exportArn = $"arn:aws:bcm-data-exports:us-east-1:{account}:export/{ExportName}-{executionId}",
            columns = columns.Select(c => new { name = c.Name, type = c.ManifestType }),
            dataFiles = dataKeys.Select(k => $"s3://{bucket}/{k}"),
            additionalOutputFiles = Array.Empty<object>(),
            billingPeriod = new { start = $"{Period.Start:yyyy-MM-dd}T00:00:00.000Z", end = $"{Period.End:yyyy-MM-dd}T00:00:00.000Z" },
        });
}
