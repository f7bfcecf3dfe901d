namespace DigiUsher.Cur.Layout;

/// <summary>The three ways AWS lays out report deliveries in S3.</summary>
public enum CurLayoutKind
{
    /// <summary>Legacy CUR, date-range folders: <c>&lt;prefix&gt;/&lt;report&gt;/yyyyMMdd-yyyyMMdd/[&lt;assemblyId&gt;/]</c>; CSV, or Parquet in create-new assemblies.</summary>
    LegacyCsv,

    /// <summary>Legacy CUR, Parquet (Athena): <c>&lt;prefix&gt;/&lt;report&gt;/&lt;report&gt;/year=YYYY/month=M/</c>.</summary>
    LegacyParquet,

    /// <summary>CUR 2.0 Data Exports: <c>&lt;prefix&gt;/&lt;export&gt;/data/BILLING_PERIOD=YYYY-MM/[&lt;execution&gt;/]</c>.</summary>
    DataExport,
}

/// <summary>What an object is within a report.</summary>
public enum CurObjectRole
{
    /// <summary>The manifest describing the period's current delivery.</summary>
    PeriodManifest,

    /// <summary>A legacy create-new manifest inside an assembly folder (never overwritten).</summary>
    AssemblyManifest,

    /// <summary>A data file (CSV gzip/zip, Parquet).</summary>
    DataFile,
}

/// <summary>A key recognised as part of a CUR delivery.</summary>
/// <param name="Layout">The layout.</param>
/// <param name="ReportName">The report or export name.</param>
/// <param name="Period">The billing period of the folder.</param>
/// <param name="Role">Manifest or data file.</param>
/// <param name="ReportPath">Everything before the period folder, e.g. <c>cur/hourly/</c> (relative to the bucket).</param>
/// <param name="PeriodPath">The period folder itself, ending in <c>/</c>, as the key spells it.</param>
/// <param name="VersionFolder">The assembly or execution folder (create-new versioning); null in overwrite mode.</param>
public sealed record CurKey(
    CurLayoutKind Layout,
    string ReportName,
    BillingPeriod Period,
    CurObjectRole Role,
    string ReportPath,
    string PeriodPath,
    string? VersionFolder)
{
    /// <summary>
    /// The prefix the report lives under, without slashes at the ends: <see cref="ReportPath"/> less the
    /// report's own folder (for legacy Parquet, less both <c>&lt;report&gt;/&lt;report&gt;/</c>).
    /// </summary>
    public string ReportPrefix
    {
        get
        {
            var path = Strip(ReportPath, ReportName + "/");
            return (Layout == CurLayoutKind.LegacyParquet ? Strip(path, ReportName + "/") : path).Trim('/');
        }
    }

    private static string Strip(string path, string folder) =>
        path.EndsWith(folder, StringComparison.Ordinal) && (path.Length == folder.Length || path[^(folder.Length + 1)] == '/')
            ? path[..^folder.Length]
            : path;
}
