using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Cur;
using DigiUsher.Cur.Layout;
using DigiUsher.Testing;
using Parquet.Serialization;

namespace DigiUsher.CurPoller.Tests;

/// <summary>
/// Writes CUR deliveries into an S3 bucket (moto) the way AWS lays them out, for the three layouts
/// and both versioning modes. Data files hold a few bytes: the poller never opens them.
/// </summary>
public sealed class ReportBucketWriter : IDisposable
{
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

    public Task DeleteAsync(string key) => _s3.DeleteObjectAsync(Bucket, key);

    /// <summary>Legacy CSV, create-new versioning: an assembly folder with its files and manifest, then the period manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteCsvAssemblyAsync(string prefix, string report, BillingPeriod period, string assemblyId, int files = 2)
    {
        var folder = $"{Path(prefix, report)}{CurKeys.PeriodFolder(period)}/";
        var keys = Enumerable.Range(1, files).Select(n => $"{folder}{assemblyId}/{report}-{n}.csv.gz").ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data of {assemblyId} {key}");
        }

        var manifest = LegacyManifest(assemblyId, report, period, keys, "GZIP");
        await PutAsync($"{folder}{assemblyId}/{report}-Manifest.json", manifest);
        await PutAsync($"{folder}{report}-Manifest.json", manifest);
        return keys;
    }

    /// <summary>Legacy CSV, overwrite versioning: files replaced in place, then the manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteCsvOverwriteAsync(string prefix, string report, BillingPeriod period, string assemblyId, int files = 2, bool writeManifest = true)
    {
        var folder = $"{Path(prefix, report)}{CurKeys.PeriodFolder(period)}/";
        var keys = Enumerable.Range(1, files).Select(n => $"{folder}{report}-{n}.csv.gz").ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data of {assemblyId} {key}");
        }

        if (writeManifest)
        {
            await PutAsync($"{folder}{report}-Manifest.json", LegacyManifest(assemblyId, report, period, keys, "GZIP"));
        }

        return keys;
    }

    /// <summary>Legacy Parquet (Athena, overwrite only): <c>&lt;report&gt;/&lt;report&gt;/year=YYYY/month=M/</c>, month without a leading zero.</summary>
    public async Task<IReadOnlyList<string>> WriteParquetPartitionAsync(string prefix, string report, BillingPeriod period, string content, int files = 1)
    {
        var folder = $"{Path(prefix, report)}{report}/year={period.Year}/month={period.Month.ToString(CultureInfo.InvariantCulture)}/";
        var keys = Enumerable.Range(1, files).Select(n => $"{folder}{report}-{n:D5}.snappy.parquet").ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"{content} {key}");
        }

        return keys;
    }

    /// <summary>The Athena status file (<c>READY</c> or <c>UPDATING</c>), a real one-column Parquet file.</summary>
    public async Task WriteDataStatusAsync(string prefix, string report, string status)
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(new[] { new StatusRow { Status = status } }, stream);
        stream.Position = 0;
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = $"{Path(prefix, report)}{report}/{CurCatalog.StatusFile}",
            InputStream = stream,
            UseChunkEncoding = false,
        });
    }

    /// <summary>CUR 2.0, overwrite: <c>data/BILLING_PERIOD=YYYY-MM/</c> files and, optionally, the metadata manifest listing them.</summary>
    public async Task<IReadOnlyList<string>> WriteExportOverwriteAsync(string prefix, string export, BillingPeriod period, string content, int files = 1, bool manifest = true, int parallelism = 16)
    {
        var folder = $"{Path(prefix, export)}data/BILLING_PERIOD={period}/";
        var keys = Enumerable.Range(1, files).Select(n => $"{folder}{export}-{n:D5}.snappy.parquet").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (key, _) => await PutAsync(key, $"{content} {key}"));
        if (manifest)
        {
            await PutAsync($"{Path(prefix, export)}metadata/BILLING_PERIOD={period}/{export}-Manifest.json", ExportManifest(Guid.NewGuid().ToString(), period, keys));
        }

        return keys;
    }

    /// <summary>CUR 2.0, create-new: a new execution folder per refresh, no manifest.</summary>
    public async Task<IReadOnlyList<string>> WriteExportExecutionAsync(string prefix, string export, BillingPeriod period, DateTime executedAt, int files = 1)
    {
        var execution = $"{executedAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}-{Guid.NewGuid()}";
        var folder = $"{Path(prefix, export)}data/BILLING_PERIOD={period}/{execution}/";
        var keys = Enumerable.Range(1, files).Select(n => $"{folder}{export}-{n:D5}.csv.gz").ToList();
        foreach (var key in keys)
        {
            await PutAsync(key, $"data {key}");
        }

        return keys;
    }

    public static string LegacyManifest(string assemblyId, string report, BillingPeriod period, IReadOnlyList<string> keys, string compression) =>
        new Cur.Manifests.LegacyManifest(assemblyId, "012345678910", [new("lineItem", "UnblendedCost", "BigDecimal")], "UTF-8", compression, "text/csv",
            new string('a', 64), report, period, "billing-bucket", keys, []).ToJson();

    /// <param name="executionId">The refresh's execution id.</param>
    /// <param name="period">The billing period.</param>
    /// <param name="keys">The data files, named <c>s3://&lt;bucket&gt;/&lt;key&gt;</c>.</param>
    /// <param name="bucket">The bucket the manifest names (a replica's manifest names the source bucket); this bucket by default.</param>
    public string ExportManifest(string executionId, BillingPeriod period, IReadOnlyList<string> keys, string? bucket = null) =>
        JsonSerializer.Serialize(new
        {
            executionId,
            exportArn = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur2",
            billingPeriod = new { start = $"{period.Start:yyyy-MM-dd}T00:00:00.000Z", end = $"{period.End:yyyy-MM-dd}T00:00:00.000Z" },
            columns = new[] { new { name = "line_item_unblended_cost", type = "double" } },
            dataFiles = keys.Select(k => $"s3://{bucket ?? Bucket}/{k}").ToArray(),
        });

    public void Dispose() => _s3.Dispose();

    private static string Path(string prefix, string report) =>
        (prefix.Trim('/').Length == 0 ? string.Empty : prefix.Trim('/') + "/") + report + "/";

    private sealed class StatusRow
    {
        [JsonPropertyName("status")]
        public string Status { get; set; } = string.Empty;
    }
}
