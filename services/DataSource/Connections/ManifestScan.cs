using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;

namespace DigiUsher.DataSource.Connections;

/// <summary>A report manifest found in the bucket.</summary>
public sealed record FoundManifest(string ReportName, string Layout, string Key, string Prefix, DateTimeOffset? LastModified);

/// <summary>What a manifest says about its report.</summary>
public sealed record ManifestSummary(string? Account, string? Format, bool? ResourceIdsIncluded);

/// <summary>
/// Finds Cost and Usage Report manifests by listing the bucket, for when the CUR API cannot be asked
/// (denied, or not offered by the endpoint). Layouts:
/// https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html (legacy CSV and
/// Parquet) and https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html (CUR 2.0).
/// </summary>
public static partial class ManifestScan
{
    /// <summary>Pages of 1,000 keys a validation lists at most; the poller does the exhaustive walk.</summary>
    public const int MaxPages = 10;

    public static FoundManifest? Match(string key, DateTimeOffset? lastModified)
    {
        foreach (var (regex, layout) in new[] { (LegacyCsv(), "legacy-csv"), (LegacyParquet(), "legacy-parquet"), (Cur2(), "cur2") })
        {
            var match = regex.Match(key);
            if (match.Success)
            {
                return new FoundManifest(match.Groups["name"].Value, layout, key, match.Groups["prefix"].Value.TrimEnd('/'), lastModified);
            }
        }

        return null;
    }

    /// <summary>Lists up to <see cref="MaxPages"/> pages under the prefix; true in Truncated when there was more.</summary>
    public static async Task<(IReadOnlyList<FoundManifest> Manifests, bool Truncated)> ListAsync(IAmazonS3 s3, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var found = new List<FoundManifest>();
        var folder = prefix.Length == 0 ? string.Empty : prefix.TrimEnd('/') + "/";
        string? token = null;
        for (var page = 0; page < MaxPages; page++)
        {
            // The prefix is sent without its trailing slash and the folder boundary checked here:
            // moto 5 miscomputes SigV4 for query values that need percent-encoding ("billing/"),
            // so an enforcing moto would reject the listing that real S3 accepts.
            var response = await s3.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = bucket,
                Prefix = folder.Length == 0 ? null : folder.TrimEnd('/'),
                ContinuationToken = token,
                MaxKeys = 1000,
            }, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                if (!item.Key.StartsWith(folder, StringComparison.Ordinal))
                {
                    continue;
                }

                if (Match(item.Key, item.LastModified is { } modified ? new DateTimeOffset(DateTime.SpecifyKind(modified, DateTimeKind.Utc)) : null) is { } manifest)
                {
                    found.Add(manifest);
                }
            }

            token = response.IsTruncated == true ? response.NextContinuationToken : null;
            if (token is null)
            {
                return (found, false);
            }
        }

        return (found, true);
    }

    /// <summary>Reads the fields DigiUsher needs from a manifest (legacy or CUR 2.0); null fields where absent.</summary>
    public static ManifestSummary Summarize(Stream json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new ManifestSummary(null, null, null);
        }

        var account = root.TryGetProperty("account", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var format = root.TryGetProperty("compression", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        bool? resourceIds = null;
        if (root.TryGetProperty("columns", out var columns) && columns.ValueKind == JsonValueKind.Array)
        {
            resourceIds = columns.EnumerateArray().Any(column =>
                column.ValueKind == JsonValueKind.Object
                && column.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                && (name.GetString() is "ResourceId" or "line_item_resource_id"));
        }

        return new ManifestSummary(account, format, resourceIds);
    }

    [GeneratedRegex(@"^(?<prefix>(?:.*/)?)(?<name>[^/]+)/\d{8}-\d{8}/\k<name>-Manifest\.json$")]
    private static partial Regex LegacyCsv();

    [GeneratedRegex(@"^(?<prefix>(?:.*/)?)(?<name>[^/]+)/\k<name>/year=\d{4}/month=\d{1,2}/\k<name>-Manifest\.json$")]
    private static partial Regex LegacyParquet();

    [GeneratedRegex(@"^(?<prefix>(?:.*/)?)(?<name>[^/]+)/metadata/billing_period=\d{4}-\d{2}/\k<name>-Manifest\.json$", RegexOptions.IgnoreCase)]
    private static partial Regex Cur2();
}
