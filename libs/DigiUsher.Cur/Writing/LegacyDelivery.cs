using System.Security.Cryptography;
using System.Text;
using DigiUsher.Cur.Layout;
using DigiUsher.Cur.Manifests;

namespace DigiUsher.Cur.Writing;

/// <summary>
/// The keys and manifest of one legacy CUR CSV delivery. In the "create new report version" layout the data files
/// go in the assembly folder, and the same manifest both there and in the period folder; in the "overwrite
/// existing report" layout (<paramref name="Overwrite"/>) the files and the one manifest are in the period folder,
/// replaced in place (https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html).
/// </summary>
/// <param name="Prefix">The report path prefix (no trailing slash; empty for none).</param>
/// <param name="ReportName">The report name.</param>
/// <param name="Period">The month the delivery covers.</param>
/// <param name="AssemblyId">The delivery's assembly id.</param>
/// <param name="Overwrite">The report overwrites its files instead of writing a new version.</param>
public sealed record LegacyDelivery(string Prefix, string ReportName, BillingPeriod Period, string AssemblyId, bool Overwrite = false)
{
    /// <summary>The period folder: <c>prefix/report/yyyyMMdd-yyyyMMdd</c>.</summary>
    public string Folder => $"{CurKeys.ListingPrefix(Prefix, ReportName)}{CurKeys.PeriodFolder(Period)}";

    /// <summary>The key of data file <paramref name="number"/> (from 1).</summary>
    public string DataKey(int number, string extension = "csv.gz") =>
        Overwrite ? $"{Folder}/{ReportName}-{number}.{extension}" : $"{Folder}/{AssemblyId}/{ReportName}-{number}.{extension}";

    /// <summary>Where the manifest goes: the assembly folder and the period folder (the period folder only when overwriting).</summary>
    public IReadOnlyList<string> ManifestKeys =>
        Overwrite ? [$"{Folder}/{ReportName}-Manifest.json"] : [$"{Folder}/{AssemblyId}/{ReportName}-Manifest.json", $"{Folder}/{ReportName}-Manifest.json"];

    /// <summary>The manifest's JSON for data files <paramref name="dataKeys"/> with CSV header <paramref name="header"/> (<c>category/Name</c>).</summary>
    public string Manifest(string payerAccount, string bucket, IEnumerable<string> header, IReadOnlyList<string> dataKeys, string compression = "GZIP") =>
        new LegacyManifest(
            AssemblyId, payerAccount, [.. header.Select(ColumnOf)], "UTF-8", compression, "text/csv",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ReportName))), ReportName, Period, bucket, dataKeys, []).ToJson();

    /// <summary>A manifest column from a CSV header cell: <c>resourceTags/user:team</c> is category <c>resourceTags</c>, name <c>user:team</c>.</summary>
    public static ManifestColumn ColumnOf(string header)
    {
        var slash = header.IndexOf('/', StringComparison.Ordinal);
        return new ManifestColumn(header[..slash], header[(slash + 1)..], null);
    }
}
