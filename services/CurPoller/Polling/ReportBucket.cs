using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Aws;
using DigiUsher.Aws.S3;
using DigiUsher.Cur.Layout;
using DigiUsher.ServiceDefaults.Quotas;

namespace DigiUsher.CurPoller.Polling;

/// <summary>
/// The S3 reads of one poll (list, get), with S3 errors turned into actionable poll failures and the
/// organization's quotas kept: keys listed in the whole poll, bytes of a manifest.
/// </summary>
public sealed class ReportBucket(IAmazonS3 s3, string bucket, string region, TenantQuotas quotas)
{
    private int _listed;

    public string Name => bucket;

    public string Region => region;

    /// <summary>Every object under <paramref name="prefix"/>, all pages.</summary>
    public async Task<List<CurObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        try
        {
            var listing = await S3Listing.ListAsync(s3, bucket, prefix, maxPages: null, cancellationToken, maxKeys: quotas.KeysListedPerPoll - _listed);
            _listed += listing.Objects.Count;
            if (listing.Truncated)
            {
                throw new PollFailureException(
                    $"The listing of s3://{bucket}/{prefix} passed {quotas.KeysListedPerPoll:N0} keys, the organization's quota of keys listed per poll ({quotas.SourceOf(nameof(TenantQuotas.KeysListedPerPoll))}); the poll stopped there. Give the data source a prefix that holds only its report.");
            }

            return [.. listing.Objects.Select(o => new CurObject(o.Key, o.Size, o.ETag, o.LastModified))];
        }
        catch (AmazonServiceException ex)
        {
            throw Describe(ex, "s3:ListBucket", $"s3://{bucket}/{prefix}");
        }
        catch (AmazonClientException ex)
        {
            throw new PollFailureException($"S3 could not be reached to list s3://{bucket}/{prefix} ({ex.Message}); the next poll retries.", inner: ex);
        }
    }

    /// <summary>A small object (a manifest) and its ETag; null when it disappeared since the listing.</summary>
    public async Task<(byte[] Bytes, string ETag)?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken);
            if (response.ContentLength > quotas.ManifestBytes)
            {
                throw ManifestTooLarge(key, $"is {response.ContentLength:N0} bytes");
            }

            // Read no further than the quota, whatever the length said.
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await response.ResponseStream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > quotas.ManifestBytes)
                {
                    throw ManifestTooLarge(key, "sent more bytes than its length said");
                }

                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), (response.ETag ?? string.Empty).Trim('"'));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (AmazonServiceException ex)
        {
            throw Describe(ex, "s3:GetObject", $"s3://{bucket}/{key}");
        }
        catch (AmazonClientException ex)
        {
            throw new PollFailureException($"S3 could not be reached to read s3://{bucket}/{key} ({ex.Message}); the next poll retries.", inner: ex);
        }
    }

    private PollFailureException ManifestTooLarge(string key, string what) => new(
        $"The manifest s3://{bucket}/{key} {what}, over the organization's quota of {quotas.ManifestBytes:N0} bytes per manifest ({quotas.SourceOf(nameof(TenantQuotas.ManifestBytes))}); it was not read.");

    private PollFailureException Describe(AmazonServiceException ex, string action, string what) => AwsErrors.Classify(ex) switch
    {
        AwsErrorKind.AccessDenied => new PollFailureException(
            $"AccessDenied on {action} for {what} ({ex.ErrorCode}): allow {action} on arn:aws:s3:::{bucket}{(action == "s3:GetObject" ? "/*" : string.Empty)} to the data source's IAM identity (and in the bucket policy).",
            action, ex),
        AwsErrorKind.NotFound when ex.ErrorCode == "NoSuchBucket" => new PollFailureException(
            $"The bucket '{bucket}' does not exist; check the data source's bucket name.", null, ex),
        AwsErrorKind.WrongRegion => new PollFailureException(
            $"The bucket '{bucket}' is not in region {region}; set the data source's region to the bucket's region.", null, ex),
        { } kind when kind.IsCredentialsRejected() => new PollFailureException(
            $"S3 rejected the data source's AWS credentials ({ex.ErrorCode}); update or rotate its access keys.", null, ex),
        _ => new PollFailureException($"S3 answered {(int)ex.StatusCode} {ex.ErrorCode} to {action} on {what}; the next poll retries.", null, ex),
    };
}
