using Amazon.S3;
using Amazon.S3.Model;

namespace DigiUsher.Aws.S3;

/// <summary>An object as a listing shows it.</summary>
/// <param name="Key">The key exactly as S3 lists it (it may begin with <c>/</c>).</param>
/// <param name="Size">Bytes.</param>
/// <param name="ETag">ETag without quotes.</param>
/// <param name="LastModified">When S3 stored it (UTC).</param>
public sealed record ListedObject(string Key, long Size, string ETag, DateTimeOffset LastModified);

/// <summary>A listing: the objects, and whether pages were left unread.</summary>
public sealed record S3ListingPage(IReadOnlyList<ListedObject> Objects, bool Truncated);

/// <summary>Lists a bucket under a key prefix, page by page (ListObjectsV2, 1,000 keys a page).</summary>
public static class S3Listing
{
    /// <summary>
    /// The objects whose keys begin with <paramref name="prefix"/>: every page, or the first
    /// <paramref name="maxPages"/>. The prefix is sent without its trailing slash and the rest checked
    /// here: moto 5 miscomputes SigV4 for query values that need percent-encoding ("billing/"), so an
    /// enforcing moto would reject the listing that real S3 accepts. With <c>maxKeys</c>, the listing stops
    /// (truncated) once more than that many keys were listed.
    /// </summary>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">S3 refused the listing (see <see cref="AwsErrors"/>).</exception>
    public static async Task<S3ListingPage> ListAsync(IAmazonS3 s3, string bucket, string prefix, int? maxPages, CancellationToken cancellationToken, int? maxKeys = null)
    {
        var objects = new List<ListedObject>();
        var sent = prefix.TrimEnd('/');
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = sent.Length == 0 ? null : sent, MaxKeys = 1000 };
        for (var page = 0; maxPages is null || page < maxPages; page++)
        {
            var response = await s3.ListObjectsV2Async(request, cancellationToken);
            objects.AddRange((response.S3Objects ?? []).Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(ToListed));
            if (objects.Count > maxKeys)
            {
                return new S3ListingPage(objects, true);
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                return new S3ListingPage(objects, false);
            }

            request.ContinuationToken = response.NextContinuationToken;
        }

        return new S3ListingPage(objects, true);
    }

    private static ListedObject ToListed(S3Object item) =>
        new(item.Key, item.Size ?? 0, (item.ETag ?? string.Empty).Trim('"'), AwsTimestamps.Utc(item.LastModified ?? DateTime.UnixEpoch));
}
