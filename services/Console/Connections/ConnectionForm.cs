using DigiUsher.Console.Apis;

using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Connections;

/// <summary>What the person types in the "AWS Root Account" form (kept as typed, also across a session that ended).</summary>
public sealed class ConnectionForm
{
    public const string AccessKeys = "keys";
    public const string Role = "role";

    public string Name { get; set; } = "AWS payer account";

    public string Auth { get; set; } = AccessKeys;

    public string AccessKeyId { get; set; } = "";

    public string SecretAccessKey { get; set; } = "";

    public string RoleArn { get; set; } = "";

    public string ExternalId { get; set; } = "";

    public string Bucket { get; set; } = "";

    public string Prefix { get; set; } = "";

    public bool DetectReport { get; set; } = true;

    public string ReportName { get; set; } = "";

    public string Region { get; set; } = "";

    /// <summary>The member account role's name; empty for none (an existing one emptied is turned off on saving).</summary>
    public string MemberAccountRole { get; set; } = "";

    public static ConnectionForm From(DataSourceView existing) => new()
    {
        Name = existing.Name,
        Auth = existing.AuthType == "role" ? Role : AccessKeys,
        AccessKeyId = existing.AccessKeyId ?? "",
        RoleArn = existing.RoleArn ?? "",
        ExternalId = existing.ExternalId ?? "",
        Bucket = existing.Bucket,
        Prefix = existing.Prefix,
        DetectReport = false,
        ReportName = existing.ReportName ?? "",
        Region = existing.Region,
        MemberAccountRole = existing.MemberAccountRole?.RoleName ?? "",
    };

    /// <summary>The request for a new data source.</summary>
    public DataSourceRequest ToCreate() => new()
    {
        Name = Name.Trim(),
        AccessKeyId = Auth == AccessKeys ? AccessKeyId.Trim() : null,
        SecretAccessKey = Auth == AccessKeys ? SecretAccessKey : null,
        RoleArn = Auth == Role ? RoleArn.Trim() : null,
        ExternalId = Auth == Role ? ExternalId.Trim() : null,
        Bucket = Bucket.Trim(),
        Prefix = Prefix.Trim(),
        ReportName = DetectReport || string.IsNullOrWhiteSpace(ReportName) ? null : ReportName.Trim(),
        Region = string.IsNullOrWhiteSpace(Region) ? null : Region.Trim(),
        MemberAccountRole = string.IsNullOrWhiteSpace(MemberAccountRole) ? null : new MemberAccountRoleChange(MemberAccountRole.Trim()),
    };

    /// <summary>
    /// The changes to an existing data source: only what differs. Credentials change when a new
    /// secret is typed (keys) or the role's ARN or external id changed; an emptied member account role
    /// is turned off (DataSource's <c>{"roleName": null}</c>).
    /// </summary>
    public DataSourceRequest ToUpdate(DataSourceView existing)
    {
        var keysChanged = Auth == AccessKeys && SecretAccessKey.Length > 0;
        var roleChanged = Auth == Role && (existing.AuthType != "role" || RoleArn.Trim() != existing.RoleArn || ExternalId.Trim() != existing.ExternalId);
        string? Changed(string value, string? before) => value.Trim() == (before ?? "") ? null : value.Trim();
        return new DataSourceRequest
        {
            Name = Changed(Name, existing.Name),
            AccessKeyId = keysChanged ? AccessKeyId.Trim() : null,
            SecretAccessKey = keysChanged ? SecretAccessKey : null,
            RoleArn = roleChanged ? RoleArn.Trim() : null,
            ExternalId = roleChanged ? ExternalId.Trim() : null,
            Bucket = Changed(Bucket, existing.Bucket),
            Prefix = Changed(Prefix, existing.Prefix),
            ReportName = DetectReport ? null : Changed(ReportName, existing.ReportName),
            Region = Changed(Region, existing.Region),
            MemberAccountRole = Changed(MemberAccountRole, existing.MemberAccountRole?.RoleName) is { } role ? new MemberAccountRoleChange(role.Length == 0 ? null : role) : null,
        };
    }

    /// <summary>Field errors the console can tell before asking the API; keys are the API's field names.</summary>
    public Dictionary<string, string> Check(bool editing)
    {
        var errors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors["name"] = "Give the data source a name.";
        }

        if (Auth == AccessKeys && (!editing || SecretAccessKey.Length > 0))
        {
            if (string.IsNullOrWhiteSpace(AccessKeyId))
            {
                errors["accessKeyId"] = "Enter the access key id (it starts with AKIA).";
            }

            if (SecretAccessKey.Length == 0)
            {
                errors["secretAccessKey"] = "Enter the secret access key.";
            }
        }
        else if (Auth == Role)
        {
            if (string.IsNullOrWhiteSpace(RoleArn))
            {
                errors["roleArn"] = "Enter the role's ARN: arn:aws:iam::123456789012:role/NAME.";
            }

            if (string.IsNullOrWhiteSpace(ExternalId))
            {
                errors["externalId"] = "DigiUsher has not issued an external id yet: choose the IAM role option again, or press \"Try again\" below it.";
            }
        }

        if (BucketNames.Problem(Bucket) is { } bucket)
        {
            errors["bucket"] = "Bucket: " + bucket;
        }

        if (!DetectReport && string.IsNullOrWhiteSpace(ReportName))
        {
            errors["reportName"] = "Enter the report name, or choose 'detect automatically'.";
        }

        return errors;
    }
}
