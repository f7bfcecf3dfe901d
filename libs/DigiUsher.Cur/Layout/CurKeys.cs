using System.Globalization;
using DigiUsher.Contracts;

namespace DigiUsher.Cur.Layout;

/// <summary>
/// Recognises CUR keys by their folders, never by file names (AWS numbers and names files in more
/// than one way). Layouts: https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html
/// and https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html.
/// </summary>
public static class CurKeys
{
    private const string ManifestSuffix = "-Manifest.json";

    /// <summary>Normalises a report path prefix: no leading or trailing <c>/</c>; empty for none.</summary>
    public static string NormalizePrefix(string? prefix) => (prefix ?? string.Empty).Trim().Trim('/');

    /// <summary>The S3 listing prefix for <paramref name="prefix"/> and, when known, the report name.</summary>
    public static string ListingPrefix(string? prefix, string? reportName)
    {
        var normalized = NormalizePrefix(prefix);
        var name = (reportName ?? string.Empty).Trim().Trim('/');
        var parts = new[] { normalized, name }.Where(p => p.Length > 0).ToArray();
        return parts.Length == 0 ? string.Empty : string.Join('/', parts) + "/";
    }

    /// <summary>
    /// Classifies <paramref name="key"/> under <paramref name="prefix"/>, or null when it is not a
    /// manifest or data file of a delivery (Athena artifacts, Redshift files, other objects). Keys
    /// that begin with <c>/</c> are accepted (some tools have written them).
    /// </summary>
    public static CurKey? Classify(string key, string? prefix)
    {
        var normalizedPrefix = NormalizePrefix(prefix);
        var relative = key.TrimStart('/');
        var offset = key.Length - relative.Length;
        if (normalizedPrefix.Length > 0)
        {
            if (!relative.StartsWith(normalizedPrefix + "/", StringComparison.Ordinal))
            {
                return null;
            }

            offset += normalizedPrefix.Length + 1;
            relative = relative[(normalizedPrefix.Length + 1)..];
        }

        var segments = relative.Split('/');
        if (segments.Length < 3 || segments.Any(s => s.Length == 0))
        {
            return null;
        }

        return ClassifyLegacyCsv(key, offset, segments)
            ?? ClassifyParquet(key, offset, segments)
            ?? ClassifyDataExport(key, offset, segments);
    }

    /// <summary>The format of a data file from its name, or null when it is not one.</summary>
    public static ReportFormat? FormatOf(string key, bool dataExport)
    {
        var name = key.ToLowerInvariant();
        if (name.EndsWith(".parquet", StringComparison.Ordinal))
        {
            return dataExport ? ReportFormat.Cur2Parquet : ReportFormat.Parquet;
        }

        if (name.EndsWith(".csv.gz", StringComparison.Ordinal))
        {
            return dataExport ? ReportFormat.Cur2CsvGzip : ReportFormat.CsvGzip;
        }

        return !dataExport && name.EndsWith(".csv.zip", StringComparison.Ordinal) ? ReportFormat.CsvZip : null;
    }

    /// <summary>
    /// A legacy period folder <c>yyyyMMdd-yyyyMMdd</c>. Real folders end on the first day of the next
    /// month (<c>20170701-20170801</c>); AWS's documentation shows the last day (<c>20160101-20160131</c>):
    /// both are accepted, and the month is the start's.
    /// </summary>
    public static bool TryParsePeriodFolder(string segment, out BillingPeriod period)
    {
        period = default;
        if (segment.Length != 17 || segment[8] != '-'
            || !DateOnly.TryParseExact(segment.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !DateOnly.TryParseExact(segment.AsSpan(9, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            || start.Day != 1)
        {
            return false;
        }

        var firstOfNext = start.AddMonths(1);
        if (end != firstOfNext && end != firstOfNext.AddDays(-1))
        {
            return false;
        }

        period = BillingPeriod.Of(start);
        return true;
    }

    /// <summary>The period folder name AWS writes for <paramref name="period"/>.</summary>
    public static string PeriodFolder(BillingPeriod period) =>
        $"{period.Start.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{period.End.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";

    /// <summary>A <c>year=YYYY</c> then <c>month=M</c> or <c>month=MM</c> partition pair.</summary>
    public static bool TryParseYearMonth(string yearSegment, string monthSegment, out BillingPeriod period)
    {
        period = default;
        if (!TryPartition(yearSegment, "year", out var yearText) || !TryPartition(monthSegment, "month", out var monthText)
            || yearText.Length != 4 || monthText.Length is < 1 or > 2
            || !int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(monthText, NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || month is < 1 or > 12 || year < 2000)
        {
            return false;
        }

        period = new BillingPeriod(year, month);
        return true;
    }

    /// <summary>A <c>BILLING_PERIOD=YYYY-MM</c> partition in any case (AWS does not guarantee the casing).</summary>
    public static bool TryParseBillingPeriodPartition(string segment, out BillingPeriod period)
    {
        period = default;
        return TryPartition(segment, "billing_period", out var value) && BillingPeriod.TryParse(value, out period);
    }

    private static CurKey? ClassifyLegacyCsv(string key, int offset, string[] segments)
    {
        // <report>/<period>/<file> (overwrite) or <report>/<period>/<assembly>/<file> (create new, CSV or Parquet).
        for (var i = 1; i < segments.Length - 1; i++)
        {
            if (!TryParsePeriodFolder(segments[i], out var period))
            {
                continue;
            }

            var name = segments[i - 1];
            var remaining = segments.Length - i - 1;
            var file = segments[^1];
            var version = remaining == 2 ? segments[i + 1] : null;
            if (remaining > 2)
            {
                return null;
            }

            CurObjectRole? role = file.Equals(name + ManifestSuffix, StringComparison.Ordinal)
                ? (version is null ? CurObjectRole.PeriodManifest : CurObjectRole.AssemblyManifest)
                : FormatOf(file, dataExport: false) is ReportFormat.CsvGzip or ReportFormat.CsvZip ? CurObjectRole.DataFile
                // A Parquet report without the Athena artifact may create new versions: the same
                // yyyyMMdd-yyyyMMdd/<assemblyId>/ folders as CSV, with .snappy.parquet files.
                : version is not null && FormatOf(file, dataExport: false) == ReportFormat.Parquet ? CurObjectRole.DataFile
                : null;
            return role is { } r ? Build(CurLayoutKind.LegacyCsv, name, period, r, key, offset, segments, i, version) : null;
        }

        return null;
    }

    private static CurKey? ClassifyParquet(string key, int offset, string[] segments)
    {
        // <report>/<report>/year=YYYY/month=M/<file>: exactly one file segment after the month.
        if (segments.Length < 4)
        {
            return null;
        }

        var yearIndex = segments.Length - 3;
        if (yearIndex < 1 || !TryParseYearMonth(segments[yearIndex], segments[yearIndex + 1], out var period))
        {
            return null;
        }

        var name = segments[yearIndex - 1];
        var file = segments[^1];
        CurObjectRole? role = file.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? CurObjectRole.PeriodManifest
            : FormatOf(file, dataExport: false) == ReportFormat.Parquet ? CurObjectRole.DataFile
            : null;
        return role is { } r ? Build(CurLayoutKind.LegacyParquet, name, period, r, key, offset, segments, yearIndex, null, periodSegments: 2) : null;
    }

    private static CurKey? ClassifyDataExport(string key, int offset, string[] segments)
    {
        // <export>/data/BILLING_PERIOD=YYYY-MM/[<execution>/]<file> and <export>/metadata/BILLING_PERIOD=YYYY-MM/[<execution>/]<export>-Manifest.json
        for (var i = 1; i < segments.Length - 2; i++)
        {
            var kind = segments[i];
            if (kind is not ("data" or "metadata") || !TryParseBillingPeriodPartition(segments[i + 1], out var period))
            {
                continue;
            }

            var remaining = segments.Length - i - 2;
            if (remaining is < 1 or > 2)
            {
                return null;
            }

            var name = segments[i - 1];
            var file = segments[^1];
            var version = remaining == 2 ? segments[i + 2] : null;
            CurObjectRole? role = kind == "metadata"
                ? (file.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? CurObjectRole.PeriodManifest : null)
                : (FormatOf(file, dataExport: true) is not null ? CurObjectRole.DataFile : null);
            return role is { } r ? Build(CurLayoutKind.DataExport, name, period, r, key, offset, segments, i, version, periodSegments: 2) : null;
        }

        return null;
    }

    private static CurKey Build(
        CurLayoutKind layout, string name, BillingPeriod period, CurObjectRole role, string key, int offset, string[] segments,
        int periodIndex, string? version, int periodSegments = 1)
    {
        var reportPathLength = offset + segments.Take(periodIndex).Sum(s => s.Length + 1);
        var periodPathLength = reportPathLength + segments.Skip(periodIndex).Take(periodSegments).Sum(s => s.Length + 1);
        return new CurKey(layout, name, period, role, key[..reportPathLength], key[..periodPathLength], version);
    }

    private static bool TryPartition(string segment, string name, out string value)
    {
        value = string.Empty;
        var equals = segment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !segment.AsSpan(0, equals).Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        value = segment[(equals + 1)..];
        return true;
    }
}
