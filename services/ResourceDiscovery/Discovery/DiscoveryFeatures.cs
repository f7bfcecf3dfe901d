using DigiUsher.Contracts;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>
/// The switchable parts of discovery. A feature is a resource kind, or a group of kinds named as
/// DataSource's validation names them in <see cref="DataSourceSettings.DisabledFeatures"/>.
/// </summary>
public static class DiscoveryFeatures
{
    public const string Ec2 = "ec2";
    public const string S3 = "s3";
    public const string Iam = "iam";
    public const string CloudWatch = "cloudwatch";

    /// <summary>Member account names from AWS Organizations (<c>organizations:ListAccounts</c>).</summary>
    public const string Organizations = "organizations";

    public static readonly string[] Ec2Kinds = [ResourceKinds.Instance, ResourceKinds.Volume, ResourceKinds.Snapshot, ResourceKinds.ElasticIp];

    /// <summary>The group a kind belongs to.</summary>
    public static string GroupOf(string kind) => kind switch
    {
        ResourceKinds.Bucket => S3,
        ResourceKinds.IamUser or ResourceKinds.AccessKey => Iam,
        _ when Ec2Kinds.Contains(kind) => Ec2,
        _ => kind,
    };

    /// <summary>Whether <paramref name="kindOrFeature"/> is switched off by itself or by its group.</summary>
    public static bool IsOff(string kindOrFeature, IReadOnlyDictionary<string, string> off) =>
        off.ContainsKey(kindOrFeature) || off.ContainsKey(GroupOf(kindOrFeature));

    public static string? ReasonOff(string kindOrFeature, IReadOnlyDictionary<string, string> off) =>
        off.TryGetValue(kindOrFeature, out var reason) || off.TryGetValue(GroupOf(kindOrFeature), out reason) ? reason : null;
}
