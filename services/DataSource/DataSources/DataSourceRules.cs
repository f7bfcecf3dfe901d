using System.Text.RegularExpressions;
using DigiUsher.DataSource.Validation;

namespace DigiUsher.DataSource.DataSources;

/// <summary>Field rules of the data source requests, from AWS's own limits.</summary>
public static partial class DataSourceRules
{
    public const int MaxName = 100;

    public static void Name(FieldErrors errors, string? name, bool required)
    {
        if (required)
        {
            errors.Required("name", name, MaxName);
        }
        else if (name is not null)
        {
            errors.Required("name", name, MaxName);
        }
    }

    /// <summary>Exactly one of access keys (both parts) or role (both parts); on update, none is fine too.</summary>
    public static void Credentials(FieldErrors errors, string? accessKeyId, string? secretAccessKey, string? roleArn, string? externalId, bool required)
    {
        var keys = accessKeyId is not null || secretAccessKey is not null;
        var role = roleArn is not null || externalId is not null;
        if (keys && role)
        {
            errors.Add("roleArn", "Give either accessKeyId and secretAccessKey, or roleArn and externalId, not both.");
            return;
        }

        if (!keys && !role)
        {
            if (required)
            {
                errors.Add("accessKeyId", "'accessKeyId' and 'secretAccessKey' are required (or 'roleArn' and 'externalId' to assume a role).");
            }

            return;
        }

        if (keys)
        {
            // Access key ids are 16-128 word characters (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AccessKey.html).
            errors.Required("accessKeyId", accessKeyId, 128);
            errors.Matches("accessKeyId", accessKeyId, AccessKeyIdPattern(), "must be 16 to 128 uppercase letters and digits, e.g. AKIA....");
            errors.Required("secretAccessKey", secretAccessKey, 128);
            if (secretAccessKey is { Length: > 0 and <= 128 } && secretAccessKey.Any(char.IsWhiteSpace))
            {
                errors.Add("secretAccessKey", "'secretAccessKey' must not contain whitespace.");
            }
        }
        else
        {
            errors.Required("roleArn", roleArn, 2048);
            errors.Matches("roleArn", roleArn, RoleArnPattern(), "must be an IAM role ARN: arn:aws:iam::123456789012:role/NAME.");
            // ExternalId: 2-1224 characters of [\w+=,.@:/-] (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
            // Required on connect; a change keeps the data source's own (see DataSourceChange.ExternalIdProblem).
            if (required || externalId is not null)
            {
                errors.Required("externalId", externalId, 1224);
                errors.Matches("externalId", externalId, ExternalIdPattern(), "must be 2 to 1224 letters, digits or any of _+=,.@:/-.");
            }
        }
    }

    public static void Location(FieldErrors errors, string? bucket, string? prefix, string? reportName, string? region, bool bucketRequired)
    {
        if (bucketRequired || bucket is not null)
        {
            errors.BucketName("bucket", bucket);
        }

        errors.Optional("prefix", prefix, 512);
        if (prefix is { Length: <= 512 } && (prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains('\\', StringComparison.Ordinal)))
        {
            errors.Add("prefix", "'prefix' must not contain '//' or backslashes.");
        }

        if (reportName is not null)
        {
            // Report names: up to 256 characters of [0-9A-Za-z!\-_.*'()] (https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_cur_ReportDefinition.html).
            errors.Required("reportName", reportName, 256);
            errors.Matches("reportName", reportName, ReportNamePattern(), "may contain only letters, digits and !-_.*'().");
        }

        if (region is not null)
        {
            errors.Required("region", region, 32);
            errors.Matches("region", region, RegionPattern(), "is not an AWS region name such as us-east-1.");
        }
    }

    /// <summary>A linked account names its root and has no reports of its own.</summary>
    public static void LinkedAccount(FieldErrors errors, Guid? parentDataSourceId, string? bucket, string? prefix, string? reportName)
    {
        if (parentDataSourceId is null)
        {
            errors.Add("parentDataSourceId", "'parentDataSourceId' is required for kind 'aws-linked': the root (payer) data source of the member account's organization.");
        }

        foreach (var (field, value) in new[] { ("bucket", bucket), ("prefix", prefix), ("reportName", reportName) })
        {
            if (value is not null)
            {
                errors.Add(field, $"'{field}' is not for an 'aws-linked' data source: its costs come from its root's Cost and Usage Reports.");
            }
        }
    }

    /// <summary>A member account role is a root's, and a plain IAM role name (on a change, a null name turns it off).</summary>
    public static void MemberAccountRole(FieldErrors errors, MemberAccountRoleSetting? setting, bool isRoot, bool onChange)
    {
        if (setting is null)
        {
            return;
        }

        if (!isRoot)
        {
            errors.Add("memberAccountRole", "'memberAccountRole' is only for kind 'aws-root': it discovers the member accounts of the payer's AWS Organization.");
            return;
        }

        if (setting.RoleName is null && onChange)
        {
            return;
        }

        // Role names: 1-64 characters of [\w+=,.@-] (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
        errors.Required("memberAccountRole.roleName", setting.RoleName, 64);
        errors.Matches("memberAccountRole.roleName", setting.RoleName, RoleNamePattern(),
            "must be a plain IAM role name (letters, digits and _+=,.@-), without a path or an ARN, e.g. DigiUsherDiscovery.");
    }

    public static string NormalizePrefix(string? prefix) => (prefix ?? string.Empty).Trim().Trim('/');

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]{1,64}$")]
    private static partial Regex RoleNamePattern();

    [GeneratedRegex("^[A-Z0-9]{16,128}$")]
    private static partial Regex AccessKeyIdPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}$")]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[0-9A-Za-z!\-_.*'()]{1,256}$")]
    private static partial Regex ReportNamePattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")]
    private static partial Regex RegionPattern();
}
