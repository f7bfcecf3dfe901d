using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Cur;
using DigiUsher.Cur.Writing;
using DigiUsher.Testing;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// Writes CUR deliveries into an S3 bucket (moto) the way AWS lays them out, for the three layouts
/// and both versioning modes, with the keys and manifests of the CUR writer (<c>DigiUsher.Cur.Writing</c>).
/// Data files hold a few bytes: the poller never opens them.
/// </summary>
public sealed class ReportBucketWriter : IDisposable
{
    private const string PayerAccount = "012345678910";

    private readonly AmazonS3Client _s3;

    public ReportBucketWriter(string bucket, string? motoUrl = null, string accessKeyId = "testing", string secret = "testing")
    {
        Bucket = bucket;
        _s3 = new AmazonS3Client(new BasicAWSCredentials(accessKeyId, secret), new AmazonS3Config
        {
            ServiceURL = motoUrl ?? TestEnvironment.SharedMotoUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            // moto cannot verify the SDK's default streaming (aws-chunked, trailing checksum) uploads once it enforces signatures.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        });
    }

    public string Bucket { get; }

    public static string UniqueBucket(string purpose) => $"cur-{purpose}-{Guid.NewGuid():N}"[..40].TrimEnd('-');

    public static BillingPeriod MonthsAgo(int months) => BillingPeriod.Of(DateOnly.FromDateTime(DateTime.UtcNow)).AddMonths(-months);

    public async Task<ReportBucketWriter> CreateBucketAsync()
    {
        await _s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
        return this;
    }

    public Task PutAsync(string key, string content) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = content, UseChunkEncoding = false });

    public Task PutAsync(string key, byte[] content) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false });

    public Task DeleteAsync(string key) => _s3.DeleteObjectAsync(Bucket, key);

    /// <summary>Legacy CSV, create-new versioning: an assembly folder with its files and manifest, then the period manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteCsvAssemblyAsync(string prefix, string report, BillingPeriod period, string assemblyId, int files = 2)
    {
        var delivery = new LegacyDelivery(prefix, report, period, assemblyId);
        var keys = Enumerable.Range(1, files).Select(n => delivery.DataKey(n)).ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data of {assemblyId} {key}");
        }

        var manifest = LegacyManifest(delivery, keys, "GZIP");
        foreach (var manifestKey in delivery.ManifestKeys)
        {
            await PutAsync(manifestKey, manifest);
        }

        return keys;
    }

    /// <summary>Legacy CSV, overwrite versioning: files replaced in place, then the manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteCsvOverwriteAsync(string prefix, string report, BillingPeriod period, string assemblyId, int files = 2, bool writeManifest = true)
    {
        var delivery = new LegacyDelivery(prefix, report, period, assemblyId, Overwrite: true);
        var keys = Enumerable.Range(1, files).Select(n => delivery.DataKey(n)).ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data of {assemblyId} {key}");
        }

        if (writeManifest)
        {
            await PutAsync(delivery.ManifestKeys[0], LegacyManifest(delivery, keys, "GZIP"));
        }

        return keys;
    }

    /// <summary>Legacy Parquet (Athena, overwrite only): <c>&lt;report&gt;/&lt;report&gt;/year=YYYY/month=M/</c>, month without a leading zero.</summary>
    public async Task<IReadOnlyList<string>> WriteParquetPartitionAsync(string prefix, string report, BillingPeriod period, string content, int files = 1)
    {
        var delivery = new LegacyParquetDelivery(prefix, report, period);
        var keys = Enumerable.Range(1, files).Select(delivery.DataKey).ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"{content} {key}");
        }

        return keys;
    }

    /// <summary>The Athena status file (<c>READY</c> or <c>UPDATING</c>), a real one-column Parquet file.</summary>
    public async Task WriteDataStatusAsync(string prefix, string report, string status)
    {
        using var file = new MemoryStream();
        await LegacyParquetDelivery.WriteStatusAsync(file, status);
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = new LegacyParquetDelivery(prefix, report, default).StatusKey, // the report's, not a month's
            InputStream = new MemoryStream(file.ToArray()),
            UseChunkEncoding = false,
        });
    }

    /// <summary>CUR 2.0, overwrite: <c>data/BILLING_PERIOD=YYYY-MM/</c> files and, optionally, the metadata manifest listing them.</summary>
    public async Task<IReadOnlyList<string>> WriteExportOverwriteAsync(string prefix, string export, BillingPeriod period, string content, int files = 1, bool manifest = true, int parallelism = 16)
    {
        var delivery = new DataExportDelivery(prefix, export, period);
        var keys = Enumerable.Range(1, files).Select(n => delivery.Key(delivery.DataPath(n, "snappy.parquet"))).ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (key, _) => await PutAsync(key, $"{content} {key}"));
        if (manifest)
        {
            await PutAsync(delivery.Key(delivery.ManifestPath), ExportManifest(Guid.NewGuid().ToString(), period, keys));
        }

        return keys;
    }

    /// <summary>CUR 2.0, create-new: a new execution folder per refresh, no manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteExportExecutionAsync(string prefix, string export, BillingPeriod period, DateTime executedAt, int files = 1)
    {
        var delivery = new DataExportDelivery(prefix, export, period);
        var execution = $"{executedAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}-{Guid.NewGuid()}";
        var keys = Enumerable.Range(1, files).Select(n => delivery.Key(delivery.DataPath(n, "csv.gz", execution))).ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data {key}");
        }

        return keys;
    }

    /// <summary>A legacy manifest of <paramref name="report"/> listing <paramref name="keys"/> (S3 keys, or <c>s3://</c> URIs of a replica's source bucket).</summary>
    public static string LegacyManifest(string assemblyId, string report, BillingPeriod period, IReadOnlyList<string> keys, string compression) =>
        LegacyManifest(new LegacyDelivery(string.Empty, report, period, assemblyId), keys, compression);

    /// <param name="executionId">The refresh's execution id.</param>
    /// <param name="period">The billing period.</param>
    /// <param name="keys">The data files, named <c>s3://&lt;bucket&gt;/&lt;key&gt;</c>.</param>
    /// <param name="bucket">The bucket the manifest names (a replica's manifest names the source bucket); this bucket by default.</param>
    public string ExportManifest(string executionId, BillingPeriod period, IReadOnlyList<string> keys, string? bucket = null) =>
        new DataExportDelivery(string.Empty, "cur2", period).ManifestOfKeys(executionId, PayerAccount, bucket ?? Bucket, [new("line_item_unblended_cost", CurColumnKind.Double)], keys);

    public void Dispose() => _s3.Dispose();

    private static string LegacyManifest(LegacyDelivery delivery, IReadOnlyList<string> keys, string compression) =>
        delivery.Manifest(PayerAccount, "billing-bucket", ["lineItem/UnblendedCost"], keys, compression);
}
