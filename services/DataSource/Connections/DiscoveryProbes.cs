using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;

namespace DigiUsher.DataSource.Connections;

/// <summary>What the discovery probes call AWS with.</summary>
/// <param name="Credentials">The data source's credentials.</param>
/// <param name="AccessKeyId">Their access key id (for <c>iam:GetAccessKeyLastUsed</c>).</param>
/// <param name="UserName">The IAM user they belong to; null for an assumed role.</param>
/// <param name="Bucket">The report bucket.</param>
/// <param name="Region">The region to ask EC2 and CloudWatch in.</param>
/// <param name="Now">The time of the validation.</param>
public sealed record DiscoveryProbeTarget(AWSCredentials Credentials, string AccessKeyId, string? UserName, string Bucket, string Region, DateTimeOffset Now);

/// <summary>
/// The discovery permissions of the connection guide, one probe each: a denied one switches its
/// feature off, it never refuses the connection.
/// </summary>
public static class DiscoveryProbes
{
    /// <summary>The optional feature of <c>organizations:ListAccounts</c>: member account names and linked-account discovery.</summary>
    public const string Organizations = "organizations";

    public static IReadOnlyList<PermissionProbe> For(DiscoveryProbeTarget target, IAmazonEC2 ec2, IAmazonS3 s3, IIdentityManagementClient iam, ICloudWatchClient cloudWatch, IOrganizationsClient organizations)
    {
        var bucketArn = $"arn:aws:s3:::{target.Bucket}";
        var credentials = target.Credentials;
        List<PermissionProbe> probes =
        [
            Ec2("ec2:DescribeRegions", ct => ec2.DescribeRegionsAsync(new DescribeRegionsRequest(), ct)),
            Ec2("ec2:DescribeInstances", ct => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { MaxResults = 5 }, ct)),
            Ec2("ec2:DescribeVolumes", ct => ec2.DescribeVolumesAsync(new DescribeVolumesRequest { MaxResults = 5 }, ct)),
            Ec2("ec2:DescribeSnapshots", ct => ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], MaxResults = 5 }, ct)),
            Ec2("ec2:DescribeAddresses", ct => ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), ct)),
            S3("s3:ListAllMyBuckets", "*", ct => s3.ListBucketsAsync(new ListBucketsRequest(), ct)),
            S3("s3:GetBucketTagging", bucketArn, ct => s3.GetBucketTaggingAsync(new GetBucketTaggingRequest { BucketName = target.Bucket }, ct), absentMeansAllowed: true),
            S3("s3:GetBucketAcl", bucketArn, ct => s3.GetBucketAclAsync(new GetBucketAclRequest { BucketName = target.Bucket }, ct)),
            S3("s3:GetBucketPublicAccessBlock", bucketArn, ct => s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = target.Bucket }, ct), absentMeansAllowed: true),
            S3("s3:GetBucketPolicyStatus", bucketArn, ct => s3.GetBucketPolicyStatusAsync(new GetBucketPolicyStatusRequest { BucketName = target.Bucket }, ct), absentMeansAllowed: true),
            Iam("iam:ListUsers", ct => iam.ListUsersAsync(credentials, new ListUsersRequest(MaxItems: 1), ct)),
            Iam("iam:ListAccessKeys", ct => iam.ListAccessKeysAsync(credentials, new ListAccessKeysRequest(target.UserName!, MaxItems: 1), ct)),
            Iam("iam:GetLoginProfile", ct => iam.GetLoginProfileAsync(credentials, target.UserName!, ct)),
            Iam("iam:GetAccessKeyLastUsed", ct => iam.GetAccessKeyLastUsedAsync(credentials, target.AccessKeyId, ct)),
            Probe("cloudwatch:GetMetricStatistics", "cloudwatch", "*", ct => cloudWatch.GetMetricStatisticsAsync(credentials, target.Region, new GetMetricStatisticsRequest(
                "AWS/EC2", "CPUUtilization", [], target.Now.AddHours(-2), target.Now, 3600, ["Average"]), ct)),
            new PermissionProbe(
                "organizations:ListAccounts",
                Organizations,
                "*",
                "Allow organizations:ListAccounts to the data source's IAM identity to show member account names and discover linked accounts. "
                + "Only the organization's management (payer) account or a delegated administrator may call it.",
                ct => organizations.ListAccountsAsync(credentials, new ListAccountsRequest(MaxResults: 1), ct)),
        ];
        return probes;
    }

    /// <summary>
    /// The probes that cannot be asked of these credentials, and why: an assumed role has no user of
    /// its own to list keys or a login profile of.
    /// </summary>
    public static string? WhyNotAsked(PermissionProbe probe, DiscoveryProbeTarget target) =>
        target.Bucket.Length == 0 && probe.Resource.StartsWith("arn:aws:s3:::", StringComparison.Ordinal)
            ? "A linked account has no report bucket to check this on; discovery asks it of each bucket it lists."
        : target.Bucket.Length == 0 && probe.Feature == Organizations
            ? "A member account may not list its organization; the root data source names its accounts."
        : target.UserName is null && probe.Action is "iam:ListAccessKeys" or "iam:GetLoginProfile"
            ? probe.Action == "iam:ListAccessKeys"
                ? "The credentials are not an IAM user's; there is no user to list keys of."
                : "The credentials are not an IAM user's."
            : null;

    private static PermissionProbe Ec2(string action, Func<CancellationToken, Task> call) => Probe(action, "ec2", "*", call);

    private static PermissionProbe S3(string action, string resource, Func<CancellationToken, Task> call, bool absentMeansAllowed = false) =>
        Probe(action, "s3", resource, call, absentMeansAllowed);

    // IAM answers NoSuchEntity for a user without a login profile or a key never used: the call was allowed.
    private static PermissionProbe Iam(string action, Func<CancellationToken, Task> call) => Probe(action, "iam", "*", call, absentMeansAllowed: true);

    private static PermissionProbe Probe(string action, string feature, string resource, Func<CancellationToken, Task> call, bool absentMeansAllowed = false) =>
        new(action, feature, resource, $"Allow {action} on {resource} to the data source's IAM identity, or leave {feature} discovery off.", call, absentMeansAllowed);
}
