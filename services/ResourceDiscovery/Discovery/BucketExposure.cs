namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>The bucket-level public access block, as far as it is configured.</summary>
public sealed record PublicAccessBlock(bool BlockPublicAcls, bool IgnorePublicAcls, bool BlockPublicPolicy, bool RestrictPublicBuckets)
{
    public bool BlocksAll => BlockPublicAcls && IgnorePublicAcls && BlockPublicPolicy && RestrictPublicBuckets;
}

/// <summary>
/// The public verdict of a bucket, following how S3 evaluates access
/// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html):
/// a public policy counts unless RestrictPublicBuckets; ACL grants to AllUsers or AuthenticatedUsers
/// count unless IgnorePublicAcls. The account-level block is not readable with the granted
/// permissions, so a bucket public here may still be blocked by it.
/// </summary>
public static class BucketExposure
{
    public static (bool Public, string Reason) Evaluate(PublicAccessBlock? block, bool? policyIsPublic, IReadOnlyList<string> publicAclGrants)
    {
        if (policyIsPublic == true && block?.RestrictPublicBuckets != true)
        {
            return (true, "the bucket policy grants public access");
        }

        if (publicAclGrants.Count > 0 && block?.IgnorePublicAcls != true)
        {
            return (true, "the ACL grants " + string.Join(", ", publicAclGrants));
        }

        if (policyIsPublic == true || publicAclGrants.Count > 0)
        {
            return (false, "public grants are neutralised by the bucket's public access block");
        }

        return block?.BlocksAll == true
            ? (false, "the bucket's public access block blocks all public access")
            : (false, "no public policy or ACL grant");
    }
}
