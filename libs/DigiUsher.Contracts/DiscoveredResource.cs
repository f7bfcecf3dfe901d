namespace DigiUsher.Contracts;

/// <summary>A resource found in the account, keyed like the CUR's <c>lineItem/ResourceId</c>.</summary>
/// <param name="ResourceId">Instance id, volume id, snapshot id, bucket name, allocation id, IAM user ARN, access key id.</param>
/// <param name="Kind">One of <see cref="ResourceKinds"/>.</param>
/// <param name="Name">The <c>Name</c> tag or the natural name.</param>
/// <param name="Region">Region (<c>global</c> for IAM).</param>
/// <param name="State">State as AWS reports it (running, stopped, available, in-use, Active, Inactive ...).</param>
/// <param name="CreatedAt">Creation or launch time.</param>
/// <param name="Tags">Tags as set on the resource.</param>
/// <param name="Attributes">Kind-specific attributes (type, size, attachment, public verdict, last use ...).</param>
/// <param name="OwnerEmail">The employee the resource is assigned to.</param>
/// <param name="OwnerRule">Which rule assigned it (for "why is this mine?").</param>
/// <param name="Cpu">Daily CPU of running instances over the last 14 days.</param>
public sealed record DiscoveredResource(
    string ResourceId,
    string Kind,
    string? Name,
    string Region,
    string? State,
    DateTimeOffset? CreatedAt,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Attributes,
    string? OwnerEmail,
    string? OwnerRule,
    IReadOnlyList<DailyCpu>? Cpu);

/// <summary>One day of CloudWatch CPUUtilization (percent; not money).</summary>
/// <param name="Day">UTC day.</param>
/// <param name="Average">Average CPU percent.</param>
/// <param name="Maximum">Maximum CPU percent.</param>
public sealed record DailyCpu(DateOnly Day, double Average, double Maximum);

/// <summary>The resource kinds DigiUsher discovers.</summary>
public static class ResourceKinds
{
    /// <summary>An EC2 instance (i-...).</summary>
    public const string Instance = "ec2-instance";
    /// <summary>An EBS volume (vol-...).</summary>
    public const string Volume = "ebs-volume";
    /// <summary>An EBS snapshot owned by the account (snap-...).</summary>
    public const string Snapshot = "ebs-snapshot";
    /// <summary>An Elastic IP (allocation id eipalloc-...).</summary>
    public const string ElasticIp = "elastic-ip";
    /// <summary>An S3 bucket (its name).</summary>
    public const string Bucket = "s3-bucket";
    /// <summary>An IAM user (its ARN).</summary>
    public const string IamUser = "iam-user";
    /// <summary>An IAM access key (its id).</summary>
    public const string AccessKey = "iam-access-key";
}
