using System.Text.Json.Nodes;

namespace DigiUsher.DataSource.Connections;

/// <summary>The policies of the connection guide, with the bucket (and the payer account when known) filled in.</summary>
public static class SetupPolicies
{
    public const string AccountPlaceholder = "${PayerAccountId}";
    public const string PrincipalPlaceholder = "${DigiUsherPrincipalArn}";

    /// <summary>
    /// The trust policy of a role DigiUsher assumes: DigiUsher's principal only, and only with the
    /// external id DigiUsher issued for this data source (the third-party pattern of
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html).
    /// </summary>
    public static JsonObject RoleTrustPolicy(string principalArn, string externalId) => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(new JsonObject
        {
            ["Sid"] = "AllowDigiUsherWithItsExternalId",
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = principalArn },
            ["Action"] = "sts:AssumeRole",
            ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["sts:ExternalId"] = externalId } },
        }),
    };

    /// <summary>
    /// The report bucket's policy that lets the CUR (billingreports) and Data Exports (bcm-data-exports)
    /// services deliver into it, limited to the payer account by aws:SourceAccount and aws:SourceArn:
    /// https://docs.aws.amazon.com/cur/latest/userguide/dataexports-s3-bucket.html.
    /// </summary>
    public static JsonObject BucketPolicy(string bucket, string? accountId)
    {
        var account = accountId ?? AccountPlaceholder;
        JsonObject Condition() => new()
        {
            ["StringLike"] = new JsonObject
            {
                ["aws:SourceArn"] = new JsonArray($"arn:aws:cur:us-east-1:{account}:definition/*", $"arn:aws:bcm-data-exports:us-east-1:{account}:export/*"),
                ["aws:SourceAccount"] = account,
            },
        };
        JsonObject Principal() => new() { ["Service"] = new JsonArray("billingreports.amazonaws.com", "bcm-data-exports.amazonaws.com") };
        return new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(
                new JsonObject
                {
                    ["Sid"] = "AllowBillingReportsToCheckTheBucket",
                    ["Effect"] = "Allow",
                    ["Principal"] = Principal(),
                    ["Action"] = new JsonArray("s3:GetBucketAcl", "s3:GetBucketPolicy"),
                    ["Resource"] = $"arn:aws:s3:::{bucket}",
                    ["Condition"] = Condition(),
                },
                new JsonObject
                {
                    ["Sid"] = "AllowBillingReportsToDeliver",
                    ["Effect"] = "Allow",
                    ["Principal"] = Principal(),
                    ["Action"] = "s3:PutObject",
                    ["Resource"] = $"arn:aws:s3:::{bucket}/*",
                    ["Condition"] = Condition(),
                }),
        };
    }

    /// <summary>What DigiUsher needs to read the reports (required).</summary>
    public static JsonObject BillingReadPolicy(string bucket) => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(
            new JsonObject
            {
                ["Sid"] = "DigiUsherListReportBucket",
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray("s3:ListBucket", "s3:GetBucketLocation"),
                ["Resource"] = $"arn:aws:s3:::{bucket}",
            },
            new JsonObject
            {
                ["Sid"] = "DigiUsherReadReports",
                ["Effect"] = "Allow",
                ["Action"] = "s3:GetObject",
                ["Resource"] = $"arn:aws:s3:::{bucket}/*",
            },
            new JsonObject
            {
                ["Sid"] = "DigiUsherFindReportDefinitions",
                ["Effect"] = "Allow",
                ["Action"] = "cur:DescribeReportDefinitions",
                ["Resource"] = "*",
            }),
    };

    /// <summary>What resource discovery needs (optional: each missing action turns one feature off).</summary>
    public static JsonObject DiscoveryPolicy() => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(
            new JsonObject
            {
                ["Sid"] = "DigiUsherDiscoverEc2",
                ["Effect"] = "Allow",
                ["Action"] = "ec2:Describe*",
                ["Resource"] = "*",
            },
            new JsonObject
            {
                ["Sid"] = "DigiUsherDiscoverBuckets",
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray("s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketTagging", "s3:GetBucketAcl",
                    "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus"),
                ["Resource"] = "*",
            },
            new JsonObject
            {
                ["Sid"] = "DigiUsherDiscoverIamUsers",
                ["Effect"] = "Allow",
                ["Action"] = new JsonArray("iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetLoginProfile"),
                ["Resource"] = "*",
            },
            new JsonObject
            {
                ["Sid"] = "DigiUsherReadCpu",
                ["Effect"] = "Allow",
                ["Action"] = "cloudwatch:GetMetricStatistics",
                ["Resource"] = "*",
            }),
    };
}
