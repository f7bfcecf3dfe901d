using DigiUsher.Contracts;

namespace DigiUsher.Cur.Layout;

/// <summary>
/// A manifest that can never become a consistent delivery: it names a data file in another bucket,
/// or a file still missing long after the manifest was written. It is recorded once and reported as
/// a failed import (never announced), and the previous delivery of the month stays current.
/// </summary>
/// <param name="Period">The billing period.</param>
/// <param name="DeliveryId">The manifest's assemblyId, else a hash of the files it names.</param>
/// <param name="Format">The format, when the manifest states it.</param>
/// <param name="ManifestKey">The manifest read.</param>
/// <param name="Files">How many data files it names.</param>
/// <param name="File">The offending file, as the manifest names it.</param>
/// <param name="Reason">What is wrong, in words a person can act on.</param>
public sealed record RejectedDelivery(
    BillingPeriod Period,
    string DeliveryId,
    ReportFormat? Format,
    string ManifestKey,
    int Files,
    string File,
    string Reason) : DeliveryResolution;

/// <summary>Checks the data files a manifest names before the delivery is resolved.</summary>
public static class ManifestScreen
{
    /// <summary>
    /// A poll reads only the data source's bucket, with the data source's credentials, whatever a
    /// manifest says. A manifest naming another bucket is what S3 replication copies: AWS writes the
    /// manifest in the source bucket, naming it, and replication keeps the keys
    /// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html). So a file named in
    /// another bucket is read at the same key in the data source's bucket; the manifest is rejected at
    /// once only when none of the keys it names in another bucket is there (a manifest pointing
    /// elsewhere, not a replica). A missing file is "not yet" while the
    /// manifest is younger than <paramref name="settleTime"/> (AWS may still be writing the delivery,
    /// https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html) and
    /// rejected after that.
    /// </summary>
    public static RejectedDelivery? Check(
        string bucket,
        CurPeriodListing period,
        CurObject manifest,
        IReadOnlyList<NamedFile> files,
        string deliveryId,
        ReportFormat? format,
        DateTimeOffset now,
        TimeSpan settleTime)
    {
        var listed = period.Objects.Select(o => o.Object.Key.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        var elsewhere = files.Where(f => f.Bucket is not null && !string.Equals(f.Bucket, bucket, StringComparison.Ordinal)).ToList();
        if (elsewhere.Count > 0 && !elsewhere.Any(f => listed.Contains(f.Key.TrimStart('/'))))
        {
            var foreign = elsewhere[0];
            return new RejectedDelivery(period.Period, deliveryId, format, manifest.Key, files.Count, foreign.Named,
                $"The manifest {manifest.Key} lists {foreign.Named}, in the bucket '{foreign.Bucket}', not in the data source's bucket '{bucket}'. "
                + "Reports are read only from the data source's own bucket, and none of the files it names is there (as S3 replication would copy them); "
                + "the delivery is not imported and the previous one stays current.");
        }

        if (files.FirstOrDefault(f => !listed.Contains(f.Key.TrimStart('/'))) is { Named: not null } missing)
        {
            var age = now - manifest.LastModified;
            if (age >= settleTime)
            {
                return new RejectedDelivery(period.Period, deliveryId, format, manifest.Key, files.Count, missing.Key,
                    $"The manifest {manifest.Key} lists {missing.Key}, which is not among the {period.Period} report files in s3://{bucket}/ "
                    + $"{(int)age.TotalMinutes} minutes after the manifest was written. The delivery is incomplete (deleted or never uploaded files, "
                    + "or a wrong manifest) and is not imported; the previous one stays current until AWS delivers the month again.");
            }
        }

        return null;
    }
}
