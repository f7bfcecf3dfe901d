using System.Globalization;
using System.Text.Json;

namespace DigiUsher.Cur.Manifests;

/// <summary>Parses manifests leniently: property names in any case, optional fields optional, unknown fields ignored.</summary>
public static class ManifestParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <exception cref="ManifestFormatException">Not a JSON object, or no <c>assemblyId</c>/<c>reportKeys</c>.</exception>
    public static LegacyManifest ParseLegacy(ReadOnlyMemory<byte> json, string? key = null)
    {
        using var document = Parse(json, key);
        var root = document.RootElement;
        var assemblyId = String(root, "assemblyId");
        if (string.IsNullOrWhiteSpace(assemblyId))
        {
            throw new ManifestFormatException($"The manifest {key} has no assemblyId.");
        }

        if (!TryGet(root, "reportKeys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new ManifestFormatException($"The manifest {key} has no reportKeys array.");
        }

        return new LegacyManifest(
            AssemblyId: assemblyId,
            Account: String(root, "account"),
            Columns: Columns(root),
            Charset: String(root, "charset"),
            Compression: String(root, "compression"),
            ContentType: String(root, "contentType"),
            ReportId: String(root, "reportId"),
            ReportName: String(root, "reportName"),
            BillingPeriod: Period(root),
            Bucket: String(root, "bucket"),
            ReportKeys: keys.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.String && k.GetString()!.Length > 0)
                .Select(k => k.GetString()!).ToList(),
            AdditionalArtifactKeys: Artifacts(root));
    }

    /// <exception cref="ManifestFormatException">Not a JSON object, or a data file that is not an <c>s3://</c> URI.</exception>
    public static DataExportManifest ParseDataExport(ReadOnlyMemory<byte> json, string? key = null)
    {
        using var document = Parse(json, key);
        var root = document.RootElement;
        var files = new List<S3Location>();
        if (TryGet(root, "dataFiles", out var dataFiles) && dataFiles.ValueKind == JsonValueKind.Array)
        {
            foreach (var file in dataFiles.EnumerateArray())
            {
                var uri = file.ValueKind == JsonValueKind.String ? file.GetString() : null;
                if (!S3Location.TryParse(uri, out var location))
                {
                    throw new ManifestFormatException($"The manifest {key} lists a data file that is not an s3://bucket/key URI: '{uri}'.");
                }

                files.Add(location);
            }
        }

        return new DataExportManifest(String(root, "executionId"), String(root, "exportArn"), Columns(root), Period(root), files);
    }

    /// <summary>
    /// What connection validation needs from any manifest (legacy or CUR 2.0): the payer account, the
    /// compression, and whether resource ids are among the columns; fields absent or of another type
    /// are null, and so is every field of JSON that is not an object.
    /// </summary>
    /// <exception cref="ManifestFormatException">Not JSON.</exception>
    public static ManifestSummary Summarize(ReadOnlyMemory<byte> json, string? key = null)
    {
        using var document = ParseJson(json, key);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new ManifestSummary(null, null, null);
        }

        bool? resourceIds = TryGet(root, "columns", out var columns) && columns.ValueKind == JsonValueKind.Array
            ? Columns(root).Any(c => c.Name is "ResourceId" or "line_item_resource_id")
            : null;
        return new ManifestSummary(String(root, "account"), String(root, "compression"), resourceIds);
    }

    /// <summary>
    /// Reads <c>billingPeriod.start</c>: legacy manifests write <c>20170701T000000.000Z</c>, Data Exports
    /// ISO-8601 or <c>yyyy-MM</c>.
    /// </summary>
    public static BillingPeriod? ParsePeriodStart(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] formats = ["yyyyMMdd'T'HHmmss.fff'Z'", "yyyyMMdd'T'HHmmss'Z'", "yyyyMMdd", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd", "yyyy-MM"];
        return DateTime.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var start)
            ? new BillingPeriod(start.Year, start.Month)
            : null;
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> json, string? key)
    {
        try
        {
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ManifestFormatException($"The manifest {key} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json, string? key)
    {
        var document = ParseJson(json, key);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ManifestFormatException($"The manifest {key} is not a JSON object.");
        }

        return document;
    }

    private static BillingPeriod? Period(JsonElement root)
    {
        if (!TryGet(root, "billingPeriod", out var period))
        {
            return null;
        }

        return period.ValueKind switch
        {
            JsonValueKind.Object => ParsePeriodStart(String(period, "start")),
            JsonValueKind.String => ParsePeriodStart(period.GetString()),
            _ => null,
        };
    }

    private static List<ManifestColumn> Columns(JsonElement root)
    {
        if (!TryGet(root, "columns", out var columns) || columns.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return columns.EnumerateArray()
            .Where(c => c.ValueKind == JsonValueKind.Object)
            .Select(c => new ManifestColumn(String(c, "category") ?? string.Empty, String(c, "name") ?? string.Empty, String(c, "type")))
            .Where(c => c.Name.Length > 0)
            .ToList();
    }

    private static List<ArtifactKey> Artifacts(JsonElement root)
    {
        if (!TryGet(root, "additionalArtifactKeys", out var artifacts) || artifacts.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        // Some public parsers declare these as strings; AWS writes objects {artifactType, name}.
        return artifacts.EnumerateArray()
            .Select(a => a.ValueKind switch
            {
                JsonValueKind.Object => new ArtifactKey(String(a, "artifactType") ?? string.Empty, String(a, "name") ?? string.Empty),
                JsonValueKind.String => new ArtifactKey(string.Empty, a.GetString()!),
                _ => null,
            })
            .OfType<ArtifactKey>()
            .ToList();
    }

    private static string? String(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        if (element.TryGetProperty(name, out value))
        {
            return true;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        return false;
    }
}
