using System.Collections.Concurrent;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Aws;
using DigiUsher.Contracts;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>Every bucket with its region, tags and public verdict.</summary>
public sealed class BucketScanner(AwsClientFactory factory, IOptions<DiscoveryOptions> options)
{
    private const string AllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
    private const string AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

    public async Task ScanAsync(AWSCredentials credentials, string homeRegion, RunCollector run, CancellationToken cancellationToken)
    {
        if (run.IsOff(ResourceKinds.Bucket))
        {
            return;
        }

        var clients = new ConcurrentDictionary<string, IAmazonS3>(StringComparer.Ordinal);
        try
        {
            var home = clients.GetOrAdd(homeRegion, r => factory.CreateS3(credentials, r));
            List<S3Bucket> buckets;
            try
            {
                buckets = await ListBucketsAsync(home, cancellationToken);
            }
            catch (AmazonS3Exception ex) when (AwsErrors.Classify(ex) == AwsErrorKind.AccessDenied)
            {
                var reason = "AccessDenied on s3:ListAllMyBuckets: " + ex.Message;
                run.Deny(DiscoveryFeatures.S3, reason);
                run.Skip(ResourceKinds.Bucket, null, reason);
                return;
            }

            var found = new ConcurrentBag<DiscoveredResource>();
            await Parallel.ForEachAsync(
                buckets,
                new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelCalls, CancellationToken = cancellationToken },
                async (bucket, ct) => found.Add(await InspectAsync(credentials, home, clients, bucket, run, ct)));

            // ListBuckets lists every bucket of the account at once, so the listing covers "global";
            // each bucket still carries its own region.
            run.Covered(ResourceKinds.Bucket, "global", found);
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<List<S3Bucket>> ListBucketsAsync(IAmazonS3 s3, CancellationToken cancellationToken)
    {
        var buckets = new List<S3Bucket>();
        string? token = null;
        do
        {
            var page = await s3.ListBucketsAsync(new ListBucketsRequest { ContinuationToken = token }, cancellationToken);
            buckets.AddRange(page.Buckets ?? []);
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
        return buckets;
    }

    private async Task<DiscoveredResource> InspectAsync(
        AWSCredentials credentials, IAmazonS3 home, ConcurrentDictionary<string, IAmazonS3> clients, S3Bucket bucket, RunCollector run, CancellationToken cancellationToken)
    {
        var name = bucket.BucketName;
        var attributes = new Dictionary<string, string>();
        var region = await Detail(run, "s3:GetBucketLocation", attributes, "location", async () =>
        {
            var location = await home.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = name }, cancellationToken);
            return RegionOf(location.Location?.Value);
        }) ?? factory.RegionOrDefault(null);
        attributes["region"] = region;
        var s3 = clients.GetOrAdd(region, r => factory.CreateS3(credentials, r));

        var tags = await Detail(run, "s3:GetBucketTagging", attributes, "tags", async () =>
        {
            try
            {
                var tagging = await s3.GetBucketTaggingAsync(new GetBucketTaggingRequest { BucketName = name }, cancellationToken);
                return (tagging.TagSet ?? []).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value ?? string.Empty, StringComparer.Ordinal);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchTagSet")
            {
                // A bucket without tags answers 404 NoSuchTagSet: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html
                return new Dictionary<string, string>(StringComparer.Ordinal);
            }
        }) ?? new Dictionary<string, string>(StringComparer.Ordinal);

        var blockKnown = true;
        var block = await Detail(run, "s3:GetBucketPublicAccessBlock", attributes, "publicAccessBlock", async () =>
        {
            try
            {
                var response = await s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = name }, cancellationToken);
                var c = response.PublicAccessBlockConfiguration;
                return c is null ? null : new PublicAccessBlock(c.BlockPublicAcls ?? false, c.IgnorePublicAcls ?? false, c.BlockPublicPolicy ?? false, c.RestrictPublicBuckets ?? false);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchPublicAccessBlockConfiguration")
            {
                return null;
            }
        }, () => blockKnown = false);
        attributes["publicAccessBlock"] = !blockKnown ? "unknown"
            : block is null ? "none"
            : string.Create(CultureInfo.InvariantCulture, $"BlockPublicAcls={block.BlockPublicAcls},IgnorePublicAcls={block.IgnorePublicAcls},BlockPublicPolicy={block.BlockPublicPolicy},RestrictPublicBuckets={block.RestrictPublicBuckets}");

        var policyIsPublic = await Detail(run, "s3:GetBucketPolicyStatus", attributes, "policyPublic", async () =>
        {
            try
            {
                var response = await s3.GetBucketPolicyStatusAsync(new GetBucketPolicyStatusRequest { BucketName = name }, cancellationToken);
                return (bool?)(response.PolicyStatus?.IsPublic ?? false);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucketPolicy")
            {
                return false;
            }
        });
        attributes.TryAdd("policyPublic", policyIsPublic == true ? "true" : "false");

        var grants = await Detail(run, "s3:GetBucketAcl", attributes, "aclPublicGrants", async () =>
        {
            var acl = await s3.GetBucketAclAsync(new GetBucketAclRequest { BucketName = name }, cancellationToken);
            return (acl.Grants ?? [])
                .Where(g => g.Grantee?.URI is AllUsers or AuthenticatedUsers)
                .Select(g => $"{(g.Grantee!.URI == AllUsers ? "AllUsers" : "AuthenticatedUsers")}:{g.Permission?.Value}")
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
        }) ?? [];
        attributes.TryAdd("aclPublicGrants", string.Join(',', grants));

        var (isPublic, reason) = BucketExposure.Evaluate(block, policyIsPublic, grants);
        attributes["public"] = isPublic ? "true" : "false";
        attributes["publicReason"] = reason;
        return new DiscoveredResource(
            name, ResourceKinds.Bucket, name, region, null,
            AwsTimestamps.Utc(bucket.CreationDate),
            tags, attributes, null, null, null);
    }

    /// <summary>One detail call; a refusal leaves the attribute <c>unknown</c> and is reported, the bucket still counts.</summary>
    private static async Task<T?> Detail<T>(RunCollector run, string action, Dictionary<string, string> attributes, string attribute, Func<Task<T?>> call, Action? onUnknown = null)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception ex)
        {
            attributes[attribute] = "unknown";
            onUnknown?.Invoke();
            run.Skip(ResourceKinds.Bucket + ":" + attribute, null, AwsErrors.Describe(action, ex));
            return default;
        }
    }

    // An empty LocationConstraint means us-east-1, and the legacy value EU means eu-west-1:
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
    internal static string RegionOf(string? location) => location switch
    {
        null or "" or "US" => "us-east-1",
        "EU" => "eu-west-1",
        _ => location,
    };
}
