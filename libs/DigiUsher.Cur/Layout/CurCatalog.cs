namespace DigiUsher.Cur.Layout;

/// <summary>A report (or export) found in a listing, with its billing periods.</summary>
/// <param name="Layout">How it is laid out.</param>
/// <param name="ReportName">Its name.</param>
/// <param name="ReportPath">The key prefix before its period folders.</param>
/// <param name="Periods">Its periods, oldest first.</param>
/// <param name="StatusKey">Legacy Parquet only: <c>cost_and_usage_data_status.parquet</c>, when present.</param>
public sealed record CurReport(
    CurLayoutKind Layout,
    string ReportName,
    string ReportPath,
    IReadOnlyList<CurPeriodListing> Periods,
    string? StatusKey)
{
    /// <summary>The newest object of the report (to choose between several reports under one prefix).</summary>
    public DateTimeOffset LastModified => Periods.SelectMany(p => p.Objects).Select(o => o.Object.LastModified).DefaultIfEmpty().Max();
}

/// <summary>The manifests and data files of one billing period of a report.</summary>
public sealed record CurPeriodListing(BillingPeriod Period, IReadOnlyList<CurListedObject> Objects)
{
    public IEnumerable<CurListedObject> DataFiles => Objects.Where(o => o.Key.Role == CurObjectRole.DataFile);

    /// <summary>The folder (prefix) to list for the period's data files.</summary>
    public string? DataPath => DataFiles.Select(o => o.Key.PeriodPath).FirstOrDefault();

    /// <summary>
    /// The manifest naming the current delivery: the period manifest, or for a create-new report whose
    /// period manifest is missing, the newest assembly manifest; for Data Exports the newest metadata manifest.
    /// </summary>
    public CurObject? CurrentManifest =>
        (Objects.Where(o => o.Key.Role == CurObjectRole.PeriodManifest).ToList() is { Count: > 0 } periodManifests
            ? periodManifests
            : Objects.Where(o => o.Key.Role == CurObjectRole.AssemblyManifest).ToList())
        .OrderByDescending(o => o.Object.LastModified).ThenByDescending(o => o.Object.Key, StringComparer.Ordinal)
        .Select(o => o.Object)
        .FirstOrDefault();
}

/// <summary>A listed object and what it is.</summary>
public sealed record CurListedObject(CurObject Object, CurKey Key);

/// <summary>Groups a bucket listing into reports and billing periods.</summary>
public static class CurCatalog
{
    public const string StatusFile = "cost_and_usage_data_status/cost_and_usage_data_status.parquet";

    /// <summary>
    /// The period manifests in a listing (each names a report, its layout and where it lives), for
    /// detecting the reports under a prefix without reading them.
    /// </summary>
    public static IReadOnlyList<CurListedObject> PeriodManifests(IEnumerable<CurObject> objects, string? prefix) =>
        [.. objects
            .Select(o => (Object: o, Key: CurKeys.Classify(o.Key, prefix)))
            .Where(o => o.Key is { Role: CurObjectRole.PeriodManifest })
            .Select(o => new CurListedObject(o.Object, o.Key!))];

    public static IReadOnlyList<CurReport> Build(IEnumerable<CurObject> objects, string? prefix)
    {
        var all = objects.ToList();
        var keys = all.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        return all
            .Select(o => (Object: o, Key: CurKeys.Classify(o.Key, prefix)))
            .Where(o => o.Key is not null)
            .Select(o => new CurListedObject(o.Object, o.Key!))
            .GroupBy(o => (o.Key.Layout, o.Key.ReportPath, o.Key.ReportName))
            .Where(g => g.Any(o => o.Key.Role == CurObjectRole.DataFile))
            .Select(g => new CurReport(
                g.Key.Layout,
                g.Key.ReportName,
                g.Key.ReportPath,
                g.GroupBy(o => o.Key.Period)
                    .OrderBy(p => p.Key)
                    .Select(p => new CurPeriodListing(p.Key, p.OrderBy(o => o.Object.Key, StringComparer.Ordinal).ToList()))
                    .ToList(),
                g.Key.Layout == CurLayoutKind.LegacyParquet && keys.Contains(g.Key.ReportPath + StatusFile) ? g.Key.ReportPath + StatusFile : null))
            .OrderBy(r => r.ReportPath, StringComparer.Ordinal)
            .ToList();
    }
}
