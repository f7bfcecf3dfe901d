using DigiUsher.Contracts;
using DigiUsher.Cur.Manifests;

namespace DigiUsher.Cur.Layout;

/// <summary>The outcome of reading a period: a consistent delivery, or why there is none yet.</summary>
public abstract record DeliveryResolution;

/// <summary>The current delivery of a period.</summary>
/// <param name="ReportName">Report or export name.</param>
/// <param name="Period">Billing period.</param>
/// <param name="Format">Data file format.</param>
/// <param name="DeliveryId">The assemblyId, or <see cref="DeliveryIds.FromFiles"/>.</param>
/// <param name="ManifestKey">The manifest read, if any.</param>
/// <param name="Files">The data files, in manifest order (else key order).</param>
public sealed record ResolvedDelivery(
    string ReportName,
    BillingPeriod Period,
    ReportFormat Format,
    string DeliveryId,
    string? ManifestKey,
    IReadOnlyList<CurObject> Files) : DeliveryResolution
{
    /// <summary>Same id and byte-identical files (keys, sizes, ETags): nothing moved between two reads.</summary>
    public bool IsSameAs(ResolvedDelivery other) =>
        DeliveryId == other.DeliveryId && Format == other.Format && ManifestKey == other.ManifestKey
        && Files.Select(f => (f.Key, f.Size, f.ETag)).SequenceEqual(other.Files.Select(f => (f.Key, f.Size, f.ETag)));
}

/// <summary>No consistent delivery (being written, incomplete); try again on a later poll.</summary>
public sealed record IncompleteDelivery(BillingPeriod Period, string Reason) : DeliveryResolution;

/// <summary>A manifest as read: the object (with the ETag of the read, not of the listing) and its bytes.</summary>
public sealed record ManifestRead(CurObject Object, ReadOnlyMemory<byte> Json);

/// <summary>A data file as a manifest names it: its bucket when the name is an <c>s3://</c> URI, its key, and the name itself.</summary>
public sealed record NamedFile(string? Bucket, string Key, string Named);

/// <summary>
/// Decides a period's current delivery from its listing and manifest (I/O is the caller's). In
/// overwrite mode AWS replaces files in place, so a reader can meet a half-written set
/// (https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html): files the
/// manifest names that are missing, or data files newer than the manifest while the rewrite is recent,
/// mean "not yet".
/// </summary>
public static class DeliveryResolver
{
    /// <summary>
    /// A period's current delivery in the report's layout: the manifest (if the period has one) is
    /// parsed and screened (<see cref="ManifestScreen"/>), then the layout's rule decides. A manifest
    /// that cannot be parsed means "not yet": AWS may still be writing it.
    /// </summary>
    /// <param name="report">The report (its layout and name).</param>
    /// <param name="period">The period's listing.</param>
    /// <param name="manifest">The period's current manifest as read (its ETag the one read), and its bytes; null when there is none.</param>
    /// <param name="bucket">The data source's bucket: the only one a delivery may be read from.</param>
    /// <param name="now">The time of the poll.</param>
    /// <param name="settleTime">How long a delivery may stay incomplete before it is rejected.</param>
    public static DeliveryResolution Resolve(
        CurReport report, CurPeriodListing period, ManifestRead? manifest, string bucket, DateTimeOffset now, TimeSpan settleTime)
    {
        try
        {
            return (report.Layout, manifest) switch
            {
                (CurLayoutKind.LegacyCsv, null) => new IncompleteDelivery(period.Period, "there is no manifest for the period yet"),
                (CurLayoutKind.LegacyParquet, null) => ResolveLegacyParquet(period, null, null, report.ReportName, now, settleTime),
                (_, null) => ResolveDataExport(period, null, null, report.ReportName, now, settleTime),
                (CurLayoutKind.DataExport, { } read) => ScreenAndResolveDataExport(report, period, read, bucket, now, settleTime),
                (_, { } read) => ScreenAndResolveLegacy(report, period, read, bucket, now, settleTime),
            };
        }
        catch (ManifestFormatException ex)
        {
            return new IncompleteDelivery(period.Period, ex.Message);
        }
    }

    /// <summary>Legacy CSV: the manifest's assemblyId and reportKeys.</summary>
    public static DeliveryResolution ResolveLegacyCsv(
        CurPeriodListing listing, CurObject manifestObject, LegacyManifest manifest, string reportName, DateTimeOffset now, TimeSpan settleTime)
    {
        if (manifest.ReportKeys.Count == 0)
        {
            return new IncompleteDelivery(listing.Period, $"The manifest {manifestObject.Key} lists no report keys yet.");
        }

        var files = Lookup(listing, manifest.ReportKeys, out var missing);
        if (missing is not null)
        {
            return new IncompleteDelivery(listing.Period, $"The manifest {manifestObject.Key} lists {missing}, which is not in the bucket (yet).");
        }

        if (!InOwnFolder(files) && RewriteInProgress(files, manifestObject, now, settleTime) is { } newer)
        {
            return new IncompleteDelivery(listing.Period, $"{newer} is newer than the manifest {manifestObject.Key}: a rewrite is in progress.");
        }

        var format = manifest.Format ?? CurKeys.FormatOf(files[0].Key, dataExport: false);
        return format is null
            ? new IncompleteDelivery(listing.Period, $"The manifest {manifestObject.Key} names no known format (compression '{manifest.Compression}').")
            : new ResolvedDelivery(reportName, listing.Period, format.Value, manifest.AssemblyId, manifestObject.Key, files);
    }

    /// <summary>
    /// Legacy Parquet: every Parquet file of the <c>year=/month=</c> partition (or the manifest's
    /// reportKeys when the partition has a manifest); the id is the manifest's assemblyId, else a hash
    /// of the keys and ETags.
    /// </summary>
    public static DeliveryResolution ResolveLegacyParquet(
        CurPeriodListing listing, CurObject? manifestObject, LegacyManifest? manifest, string reportName, DateTimeOffset now, TimeSpan settleTime)
    {
        List<CurObject> files;
        if (manifestObject is not null && manifest is { ReportKeys.Count: > 0 })
        {
            files = Lookup(listing, manifest.ReportKeys, out var missing);
            if (missing is not null)
            {
                return new IncompleteDelivery(listing.Period, $"The manifest {manifestObject.Key} lists {missing}, which is not in the bucket (yet).");
            }
        }
        else
        {
            files = listing.DataFiles.Select(o => o.Object).ToList();
        }

        if (files.Count == 0)
        {
            return new IncompleteDelivery(listing.Period, "The partition has no Parquet files yet.");
        }

        if (manifestObject is not null && !InOwnFolder(files) && RewriteInProgress(files, manifestObject, now, settleTime) is { } newer)
        {
            return new IncompleteDelivery(listing.Period, $"{newer} is newer than the manifest {manifestObject.Key}: a rewrite is in progress.");
        }

        var id = manifest?.AssemblyId is { Length: > 0 } assemblyId ? assemblyId : DeliveryIds.FromFiles(files);
        return new ResolvedDelivery(reportName, listing.Period, ReportFormat.Parquet, id, manifestObject?.Key, files);
    }

    /// <summary>
    /// CUR 2.0: the manifest's <c>dataFiles</c> when present, else the partition's files (create-new:
    /// the newest execution folder); the id is a hash of the keys and ETags.
    /// </summary>
    public static DeliveryResolution ResolveDataExport(
        CurPeriodListing listing, CurObject? manifestObject, DataExportManifest? manifest, string reportName, DateTimeOffset now, TimeSpan settleTime)
    {
        List<CurObject> files;
        if (manifestObject is not null && manifest is { DataFiles.Count: > 0 })
        {
            files = Lookup(listing, manifest.DataFiles.Select(f => f.Key).ToList(), out var missing);
            if (missing is not null)
            {
                return new IncompleteDelivery(listing.Period, $"The manifest {manifestObject.Key} lists {missing}, which is not in the bucket (yet).");
            }
        }
        else
        {
            var data = listing.DataFiles.ToList();
            var newestVersion = data.Where(o => o.Key.VersionFolder is not null)
                .Select(o => o.Key.VersionFolder!)
                .OrderByDescending(v => v, StringComparer.Ordinal)
                .FirstOrDefault();
            files = data.Where(o => o.Key.VersionFolder == newestVersion).Select(o => o.Object).ToList();
        }

        if (files.Count == 0)
        {
            return new IncompleteDelivery(listing.Period, "The billing period partition has no data files yet.");
        }

        var formats = files.Select(f => CurKeys.FormatOf(f.Key, dataExport: true)).Distinct().ToList();
        if (formats is not [{ } format])
        {
            return new IncompleteDelivery(listing.Period, "The export's data files are not all .csv.gz or all .parquet.");
        }

        if (manifestObject is not null && !InOwnFolder(files)
            && RewriteInProgress(files, manifestObject, now, settleTime) is { } newer)
        {
            return new IncompleteDelivery(listing.Period, $"{newer} is newer than the manifest {manifestObject.Key}: a rewrite is in progress.");
        }

        return new ResolvedDelivery(reportName, listing.Period, format, DeliveryIds.FromFiles(files), manifestObject?.Key, files);
    }

    /// <summary>
    /// Whether every data file lives in a folder of its own: a legacy create-new assembly folder or a
    /// CUR 2.0 create-new execution folder. AWS never writes such a key twice
    /// (https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html), and an S3
    /// PUT is atomic, so once every key the manifest names exists the delivery is whole, whatever order
    /// the manifest and the files were written in (<c>aws s3 sync</c> writes the period manifest before
    /// the assembly folder). Only files in the period folder itself are replaced in place, and only they
    /// wait for the settle time when they are newer than the manifest.
    /// </summary>
    public static bool InOwnFolder(IReadOnlyCollection<CurObject> files) =>
        files.Count > 0 && files.All(f => CurKeys.Classify(f.Key, null)?.VersionFolder is not null);

    private static DeliveryResolution ScreenAndResolveLegacy(
        CurReport report, CurPeriodListing period, ManifestRead read, string bucket, DateTimeOffset now, TimeSpan settleTime)
    {
        var legacy = ManifestParser.ParseLegacy(read.Json, read.Object.Key);
        var named = legacy.ReportKeys
            .Select(k => S3Location.TryParse(k, out var at) ? new NamedFile(at.Bucket, at.Key, k) : new NamedFile(null, k, k))
            .ToList();
        if (ManifestScreen.Check(bucket, period, read.Object, named, legacy.AssemblyId, legacy.Format, now, settleTime) is { } rejected)
        {
            return rejected;
        }

        legacy = legacy with { ReportKeys = [.. named.Select(n => n.Key)] };
        return report.Layout == CurLayoutKind.LegacyCsv
            ? ResolveLegacyCsv(period, read.Object, legacy, report.ReportName, now, settleTime)
            : ResolveLegacyParquet(period, read.Object, legacy, report.ReportName, now, settleTime);
    }

    private static DeliveryResolution ScreenAndResolveDataExport(
        CurReport report, CurPeriodListing period, ManifestRead read, string bucket, DateTimeOffset now, TimeSpan settleTime)
    {
        var export = ManifestParser.ParseDataExport(read.Json, read.Object.Key);
        var named = export.DataFiles.Select(f => new NamedFile(f.Bucket, f.Key, $"s3://{f.Bucket}/{f.Key}")).ToList();
        var deliveryId = DeliveryIds.FromFiles(named.Select(n => new CurObject(n.Named, 0, read.Object.ETag, read.Object.LastModified)));
        return ManifestScreen.Check(bucket, period, read.Object, named, deliveryId, null, now, settleTime)
            ?? ResolveDataExport(period, read.Object, export, report.ReportName, now, settleTime);
    }

    private static List<CurObject> Lookup(CurPeriodListing listing, IReadOnlyList<string> keys, out string? missing)
    {
        // Manifests write keys without the leading '/' some listings show, and vice versa.
        var byKey = listing.Objects.Select(o => o.Object).GroupBy(o => o.Key.TrimStart('/'), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var files = new List<CurObject>(keys.Count);
        missing = null;
        foreach (var key in keys)
        {
            if (!byKey.TryGetValue(key.TrimStart('/'), out var file))
            {
                missing = key;
                return files;
            }

            files.Add(file);
        }

        return files;
    }

    private static string? RewriteInProgress(IEnumerable<CurObject> files, CurObject manifest, DateTimeOffset now, TimeSpan settleTime)
    {
        // Files written after the manifest belong to the next, unfinished delivery. If the manifest
        // never follows (a writer that goes manifest-first), the set is accepted once it has settled.
        var newer = files.Where(f => f.LastModified > manifest.LastModified).OrderByDescending(f => f.LastModified).FirstOrDefault();
        return newer is not null && now - newer.LastModified < settleTime ? newer.Key : null;
    }
}
