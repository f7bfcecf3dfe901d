namespace DigiUsher.Cur.Manifests;

/// <summary>
/// A CUR 2.0 (AWS Data Exports) manifest under <c>metadata/BILLING_PERIOD=YYYY-MM/</c>. AWS does not
/// document its schema in detail
/// (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html); we read the
/// fields public consumers rely on and tolerate any of them missing.
/// </summary>
/// <param name="ExecutionId">The export execution that wrote the files.</param>
/// <param name="ExportArn">The export.</param>
/// <param name="Columns">Columns (name and type; no category).</param>
/// <param name="BillingPeriod">The month, when the manifest states it.</param>
/// <param name="DataFiles">The data files, as bucket and key (from <c>s3://</c> URIs).</param>
public sealed record DataExportManifest(
    string? ExecutionId,
    string? ExportArn,
    IReadOnlyList<ManifestColumn> Columns,
    BillingPeriod? BillingPeriod,
    IReadOnlyList<S3Location> DataFiles);

/// <summary>What any manifest says about its report.</summary>
/// <param name="Account">The payer account (legacy manifests).</param>
/// <param name="Compression"><c>GZIP</c>, <c>ZIP</c>, <c>Parquet</c> as the manifest states it.</param>
/// <param name="ResourceIdsIncluded">Whether the columns include the resource id; null without columns.</param>
public sealed record ManifestSummary(string? Account, string? Compression, bool? ResourceIdsIncluded);

/// <summary>An object named by an <c>s3://bucket/key</c> URI.</summary>
public sealed record S3Location(string Bucket, string Key)
{
    public static bool TryParse(string? uri, out S3Location location)
    {
        location = new S3Location(string.Empty, string.Empty);
        if (uri is null || !uri.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = uri["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        location = new S3Location(rest[..slash], rest[(slash + 1)..]);
        return true;
    }
}
