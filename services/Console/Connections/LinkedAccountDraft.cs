using DigiUsher.Client.DataSource;
using DigiUsher.Console.Apis;

namespace DigiUsher.Console.Connections;

/// <summary>
/// What the person types to connect a linked (member) account: the root it belongs to, a name, and how
/// DigiUsher signs in to the member account (keys or a role). No bucket: its costs are in the root's reports.
/// </summary>
public sealed class LinkedAccountDraft
{
    public Guid? RootId { get; set; }

    public string Name { get; set; } = "";

    public string Auth { get; set; } = ConnectionForm.AccessKeys;

    public string AccessKeyId { get; set; } = "";

    public string SecretAccessKey { get; set; } = "";

    public string RoleArn { get; set; } = "";

    public string ExternalId { get; set; } = "";

    public static LinkedAccountDraft From(DataSourceView existing) => new()
    {
        RootId = existing.ParentDataSourceId,
        Name = existing.Name,
        Auth = existing.AuthType == "role" ? ConnectionForm.Role : ConnectionForm.AccessKeys,
        AccessKeyId = existing.AccessKeyId ?? "",
        RoleArn = existing.RoleArn ?? "",
        ExternalId = existing.ExternalId ?? "",
    };

    public DataSourceRequest ToCreate() => new()
    {
        Name = Name.Trim(),
        Kind = DataSourceKinds.Linked,
        ParentDataSourceId = RootId,
        AccessKeyId = Auth == ConnectionForm.AccessKeys ? AccessKeyId.Trim() : null,
        SecretAccessKey = Auth == ConnectionForm.AccessKeys ? SecretAccessKey : null,
        RoleArn = Auth == ConnectionForm.Role ? RoleArn.Trim() : null,
        ExternalId = Auth == ConnectionForm.Role ? ExternalId.Trim() : null,
    };

    /// <summary>The name if it changed; the credentials when a new secret was typed or the role changed (the root stays).</summary>
    public DataSourceRequest ToUpdate(DataSourceView existing)
    {
        var keysChanged = Auth == ConnectionForm.AccessKeys && SecretAccessKey.Length > 0;
        var roleChanged = Auth == ConnectionForm.Role
            && (existing.AuthType != "role" || RoleArn.Trim() != existing.RoleArn || ExternalId.Trim() != existing.ExternalId);
        return new DataSourceRequest
        {
            Name = Name.Trim() == existing.Name ? null : Name.Trim(),
            AccessKeyId = keysChanged ? AccessKeyId.Trim() : null,
            SecretAccessKey = keysChanged ? SecretAccessKey : null,
            RoleArn = roleChanged ? RoleArn.Trim() : null,
            ExternalId = roleChanged ? ExternalId.Trim() : null,
        };
    }

    /// <summary>Field errors the console can tell before asking the API; keys are the API's field names.</summary>
    public Dictionary<string, string> Check(bool editing)
    {
        var errors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!editing && RootId is null)
        {
            errors["parentDataSourceId"] = "Choose the root (payer) account whose AWS Organization this account belongs to.";
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors["name"] = "Give the linked account a name.";
        }

        if (Auth == ConnectionForm.AccessKeys && (!editing || SecretAccessKey.Length > 0))
        {
            if (string.IsNullOrWhiteSpace(AccessKeyId))
            {
                errors["accessKeyId"] = "Enter the access key id of a read-only IAM user in the member account (it starts with AKIA).";
            }

            if (SecretAccessKey.Length == 0)
            {
                errors["secretAccessKey"] = "Enter the secret access key.";
            }
        }
        else if (Auth == ConnectionForm.Role)
        {
            if (string.IsNullOrWhiteSpace(RoleArn))
            {
                errors["roleArn"] = "Enter the role's ARN in the member account: arn:aws:iam::123456789012:role/NAME.";
            }

            if (string.IsNullOrWhiteSpace(ExternalId))
            {
                errors["externalId"] = "DigiUsher has not issued an external id yet: choose the IAM role option again, or press \"Try again\" below it.";
            }
        }

        return errors;
    }
}
