using System.Text.Json;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.DataSource.DataSources;

/// <summary>Body of <c>POST /api/v1/data-sources</c>: access keys, or a role to assume with an external id.</summary>
public sealed class CreateDataSourceRequest
{
    /// <summary>Display name (1-100 characters).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// <c>aws-root</c>: the payer account of an AWS Organization, with the bucket of its reports; or
    /// <c>aws-linked</c>: a member account of a root's organization, with no bucket (the payer's CUR bills it).
    /// </summary>
    public string? Kind { get; init; }

    /// <summary>For <c>aws-linked</c> only (and required): the root data source of the member account's organization.</summary>
    public Guid? ParentDataSourceId { get; init; }

    public string? AccessKeyId { get; init; }

    /// <summary>Write-only: stored encrypted, never returned.</summary>
    public string? SecretAccessKey { get; init; }

    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    /// <summary>The S3 bucket the reports are delivered to.</summary>
    public string? Bucket { get; init; }

    /// <summary>The report path prefix (empty for none).</summary>
    public string? Prefix { get; init; }

    /// <summary>The report name; auto-detected when absent.</summary>
    public string? ReportName { get; init; }

    /// <summary>The bucket's region; read from S3 when absent.</summary>
    public string? Region { get; init; }

    /// <summary>For <c>aws-root</c> only, optional: discover every member account of the payer's AWS Organization through a role of this name in each.</summary>
    public MemberAccountRoleSetting? MemberAccountRole { get; init; }
}

/// <summary>
/// The role DigiUsher assumes in every member account of a root's AWS Organization (listed by
/// <c>organizations:ListAccounts</c>) to discover its resources. It is assumed with the root's own credentials
/// (the payer's IAM user or role), and with the root's DataSource-issued external id when the root is a role:
/// the member role trusts the payer account (its principal) and may require that external id.
/// </summary>
public sealed class MemberAccountRoleSetting
{
    /// <summary>A plain IAM role name (1-64 of letters, digits and _+=,.@-; no path, no ARN), e.g. <c>DigiUsherDiscovery</c>. On a change, null turns member discovery off.</summary>
    public string? RoleName { get; init; }
}

/// <summary>Body of <c>PATCH /api/v1/data-sources/{id}</c>: only the fields to change.</summary>
public sealed class UpdateDataSourceRequest
{
    public string? Name { get; init; }

    public string? AccessKeyId { get; init; }

    /// <summary>Write-only: stored encrypted, never returned.</summary>
    public string? SecretAccessKey { get; init; }

    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    public string? Bucket { get; init; }

    public string? Prefix { get; init; }

    public string? ReportName { get; init; }

    public string? Region { get; init; }

    /// <summary>For <c>aws-root</c> only: set the member account role, or turn it off with <c>{"roleName": null}</c>.</summary>
    public MemberAccountRoleSetting? MemberAccountRole { get; init; }
}

/// <summary>Who connected the data source.</summary>
public sealed record CreatedBy(Guid UserId, string Email);

/// <summary>A data source as the API shows it: never its secret.</summary>
public sealed record DataSourceView(
    Guid Id,
    string Name,
    string Kind,
    string AuthType,
    string? AccessKeyId,
    string? RoleArn,
    string? ExternalId,
    string Bucket,
    string Prefix,
    string? ReportName,
    string Region,
    string? PayerAccountId,
    IReadOnlyList<string> DisabledFeatures,
    ValidationReport? Validation,
    CreatedBy CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    Guid? ParentDataSourceId,
    string? AccountId,
    MemberAccountRoleView? MemberAccountRole)
{
    /// <summary>
    /// The ETag of a data source's GET and the version If-Match names on a change or delete: every change
    /// of what the view shows bumps the row's version (DataSourceStore's updates).
    /// </summary>
    public static string ETagOf(DataSourceRow row) => ETags.Of($"data-source {row.Id:N} v{row.Version}");

    public static DataSourceView From(DataSourceRow row) => new(
        row.Id,
        row.Name,
        row.Kind,
        row.AuthType,
        row.AccessKeyId,
        row.RoleArn,
        row.ExternalId,
        row.Bucket,
        row.Prefix,
        row.ReportName,
        row.Region,
        row.PayerAccountId.Length == 0 ? null : row.PayerAccountId,
        row.DisabledFeatures,
        ValidationJson.Read(row.Validation),
        new CreatedBy(row.CreatedByUserId, row.CreatedByEmail),
        row.CreatedAt,
        row.UpdatedAt,
        row.ParentDataSourceId,
        row.AccountId.Length == 0 ? null : row.AccountId,
        row.MemberAccountRole is null ? null : new MemberAccountRoleView(row.MemberAccountRole));
}

/// <summary>A root's member account role: discovery assumes it in each member account (the validation lists which ones let it in).</summary>
public sealed record MemberAccountRoleView(string RoleName);

/// <summary>The answer of <c>POST /api/v1/data-sources/{id}/poll</c>.</summary>
public sealed record PollAccepted(Guid DataSourceId, string RequestId, DateTimeOffset RequestedAt);

/// <summary>How a validation report is stored (jsonb) and read back.</summary>
public static class ValidationJson
{
    private static readonly JsonSerializerOptions Json = Create();

    public static string Write(ValidationReport report) => JsonSerializer.Serialize(report, Json);

    public static ValidationReport? Read(string? json) => json is null ? null : JsonSerializer.Deserialize<ValidationReport>(json, Json);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }
}
