using System.Text.Json;
using System.Text.Json.Serialization;
using DigiUsher.Contracts;

namespace DigiUsher.Cur.Manifests;

/// <summary>
/// A legacy CUR manifest (<c>&lt;report&gt;-Manifest.json</c>), as AWS writes it for CSV and Parquet
/// reports (https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html).
/// </summary>
/// <param name="AssemblyId">Changes on every update of the report; the delivery id.</param>
/// <param name="Account">The payer account, a 12-digit string (leading zeros kept).</param>
/// <param name="Columns">Columns in CSV header order.</param>
/// <param name="Charset">Usually <c>UTF-8</c>.</param>
/// <param name="Compression"><c>GZIP</c>, <c>ZIP</c> or <c>Parquet</c>.</param>
/// <param name="ContentType">Usually <c>text/csv</c>.</param>
/// <param name="ReportId">64 hex characters.</param>
/// <param name="ReportName">The report name.</param>
/// <param name="BillingPeriod">The month covered, from <c>billingPeriod.start</c>.</param>
/// <param name="Bucket">The bucket the report is delivered to.</param>
/// <param name="ReportKeys">Full S3 keys of the data files, without the bucket.</param>
/// <param name="AdditionalArtifactKeys">Redshift/QuickSight artifacts (objects, not strings).</param>
public sealed record LegacyManifest(
    string AssemblyId,
    string? Account,
    IReadOnlyList<ManifestColumn> Columns,
    string? Charset,
    string? Compression,
    string? ContentType,
    string? ReportId,
    string? ReportName,
    BillingPeriod? BillingPeriod,
    string? Bucket,
    IReadOnlyList<string> ReportKeys,
    IReadOnlyList<ArtifactKey> AdditionalArtifactKeys)
{
    /// <summary>The data files' format: from <see cref="Compression"/>, else from the keys' extensions.</summary>
    public ReportFormat? Format =>
        Compression?.ToUpperInvariant() switch
        {
            "GZIP" => ReportFormat.CsvGzip,
            "ZIP" => ReportFormat.CsvZip,
            "PARQUET" => ReportFormat.Parquet,
            _ => ReportKeys.Count > 0 ? Layout.CurKeys.FormatOf(ReportKeys[0], dataExport: false) : null,
        };

    private static readonly JsonSerializerOptions WriteOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// The manifest's JSON as AWS writes it. DigiUsher only reads manifests; the demo, the benchmarks
    /// and the tests lay out their reports with this, so they all write the format the parser reads.
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            assemblyId = AssemblyId,
            account = Account,
            columns = Columns.Select(c => new { category = c.Category, name = c.Name, type = c.Type }),
            charset = Charset,
            compression = Compression,
            contentType = ContentType,
            reportId = ReportId,
            reportName = ReportName,
            billingPeriod = BillingPeriod is { } period
                ? new { start = $"{period.Start:yyyyMMdd}T000000.000Z", end = $"{period.End:yyyyMMdd}T000000.000Z" }
                : null,
            bucket = Bucket,
            reportKeys = ReportKeys,
            additionalArtifactKeys = AdditionalArtifactKeys.Select(a => new { artifactType = a.ArtifactType, name = a.Name }),
        },
        WriteOptions);
}

/// <summary>One column of a manifest: the CSV header is <c>category/name</c>.</summary>
/// <param name="Category">e.g. <c>lineItem</c>; empty in Data Exports manifests.</param>
/// <param name="Name">e.g. <c>UnblendedCost</c>.</param>
/// <param name="Type">e.g. <c>BigDecimal</c>, <c>OptionalString</c>; absent in older manifests.</param>
public sealed record ManifestColumn(string Category, string Name, string? Type);

/// <summary>An additional artifact of a legacy report.</summary>
/// <param name="ArtifactType">e.g. <c>RedshiftCommands</c>, <c>RedshiftManifest</c>.</param>
/// <param name="Name">Its S3 key.</param>
public sealed record ArtifactKey(string ArtifactType, string Name);
