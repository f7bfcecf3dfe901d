using System.Globalization;
using DigiUsher.Cur.Layout;

namespace DigiUsher.Cur.Writing;

/// <summary>
/// The keys of a legacy CUR Parquet report (the Athena integration, overwrite only): the month's files in
/// <c>prefix/report/report/year=YYYY/month=M/</c> (the month without a leading zero), and the report's status
/// file, <c>READY</c> or <c>UPDATING</c> while AWS rewrites a partition
/// (https://docs.aws.amazon.com/cur/latest/userguide/cur-ate-run.html).
/// </summary>
/// <param name="Prefix">The report path prefix (no trailing slash; empty for none).</param>
/// <param name="ReportName">The report name.</param>
/// <param name="Period">The month the partition holds.</param>
public sealed record LegacyParquetDelivery(string Prefix, string ReportName, BillingPeriod Period)
{
    /// <summary>The report's folder of Athena tables: <c>prefix/report/report</c>.</summary>
    public string ReportFolder => $"{CurKeys.ListingPrefix(Prefix, ReportName)}{ReportName}";

    /// <summary>The month's partition folder.</summary>
    public string Folder => $"{ReportFolder}/year={Period.Year}/month={Period.Month.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The key of data file <paramref name="number"/> (from 1).</summary>
    public string DataKey(int number) => $"{Folder}/{ReportName}-{number:D5}.snappy.parquet";

    /// <summary>The key of the report's status file.</summary>
    public string StatusKey => $"{ReportFolder}/{CurCatalog.StatusFile}";

    /// <summary>The status file (<see cref="CurDataStatus"/>): one row of one string column, <c>status</c>.</summary>
    public static async Task WriteStatusAsync(Stream output, string status)
    {
        await using var writer = await CurParquetWriter.CreateAsync(output, [new CurColumn("status", CurColumnKind.String)], optional: false);
        writer.Set(0, status);
        await writer.EndRowAsync();
    }
}
