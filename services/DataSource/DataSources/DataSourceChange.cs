using DigiUsher.Contracts;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Validation;

namespace DigiUsher.DataSource.DataSources;

/// <summary>
/// The decisions of connecting and changing a data source, apart from I/O: which fields are wrong,
/// which credentials a request gives, what an update changes and whether it must be validated again,
/// and what a validation report writes on the row. <see cref="DataSourceConnector"/> does the I/O.
/// </summary>
public static class DataSourceChange
{
    /// <summary>The payer account of an AWS Organization, with the bucket of its reports.</summary>
    public const string AwsRoot = DataSourceKinds.AwsRoot;

    /// <summary>A member account of a root's organization: discovered with its own credentials, billed by the payer's CUR.</summary>
    public const string AwsLinked = DataSourceKinds.AwsLinked;

    /// <summary>The region assumed when neither the request nor S3 names the bucket's.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>The field errors of a connect request (none: it may be validated against AWS).</summary>
    public static FieldErrors Check(CreateDataSourceRequest request)
    {
        var errors = new FieldErrors();
        DataSourceRules.Name(errors, request.Name, required: true);
        errors.Required("kind", request.Kind, 32);
        if (request.Kind is { Length: > 0 and <= 32 } kind && kind != AwsRoot && kind != AwsLinked)
        {
            errors.Add("kind", $"'kind' must be '{AwsRoot}' (the payer account of an AWS Organization) or '{AwsLinked}' (a member account of a root's organization).");
        }

        DataSourceRules.Credentials(errors, request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId, required: true);
        DataSourceRules.MemberAccountRole(errors, request.MemberAccountRole, isRoot: request.Kind != AwsLinked, onChange: false);
        if (request.Kind == AwsLinked)
        {
            DataSourceRules.LinkedAccount(errors, request.ParentDataSourceId, request.Bucket, request.Prefix, request.ReportName);
            DataSourceRules.Location(errors, null, null, null, request.Region, bucketRequired: false);
            return errors;
        }

        if (request.ParentDataSourceId is not null)
        {
            errors.Add("parentDataSourceId", $"'parentDataSourceId' is only for kind '{AwsLinked}'.");
        }

        DataSourceRules.Location(errors, request.Bucket, request.Prefix, request.ReportName, request.Region, bucketRequired: true);
        return errors;
    }

    /// <summary>The field errors of an update, which must change something.</summary>
    public static FieldErrors Check(UpdateDataSourceRequest request)
    {
        var errors = new FieldErrors();
        DataSourceRules.Name(errors, request.Name, required: false);
        DataSourceRules.Credentials(errors, request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId, required: false);
        DataSourceRules.Location(errors, request.Bucket, request.Prefix, request.ReportName, request.Region, bucketRequired: false);
        DataSourceRules.MemberAccountRole(errors, request.MemberAccountRole, isRoot: true, onChange: true);
        if (request is { Name: null, AccessKeyId: null, SecretAccessKey: null, RoleArn: null, ExternalId: null, Bucket: null, Prefix: null, ReportName: null, Region: null, MemberAccountRole: null })
        {
            errors.Add("body", "Nothing to change: give at least one of name, accessKeyId and secretAccessKey, roleArn and externalId, bucket, prefix, reportName, region, memberAccountRole.");
        }

        return errors;
    }

    /// <summary>The credentials a checked request gives: a role, access keys, or none (an update keeping its own).</summary>
    public static ConnectionCredentials? CredentialsIn(string? accessKeyId, string? secretAccessKey, string? roleArn, string? externalId) =>
        roleArn is not null ? new ConnectionCredentials.Role(roleArn, externalId!)
        : accessKeyId is not null ? new ConnectionCredentials.AccessKeys(accessKeyId, secretAccessKey!)
        : null;

    /// <summary>The row a checked connect request writes once validation accepts it (see <see cref="Accept"/>).</summary>
    public static DataSourceRow NewRow(Guid id, Guid organizationId, CreatedBy createdBy, CreateDataSourceRequest request) => new()
    {
        Id = id,
        OrganizationId = organizationId,
        Name = request.Name!.Trim(),
        Kind = AwsRoot,
        Bucket = request.Bucket!,
        Prefix = DataSourceRules.NormalizePrefix(request.Prefix),
        ReportName = request.ReportName,
        Region = request.Region ?? DefaultRegion,
        MemberAccountRole = request.MemberAccountRole?.RoleName,
        CreatedByUserId = createdBy.UserId,
        CreatedByEmail = createdBy.Email,
    };

    /// <summary>The row of a checked <c>aws-linked</c> request under <paramref name="root"/>, once validation found its account.</summary>
    public static DataSourceRow NewLinkedRow(Guid id, Guid organizationId, CreatedBy createdBy, CreateDataSourceRequest request, DataSourceRow root, string accountId) => new()
    {
        Id = id,
        OrganizationId = organizationId,
        Name = request.Name!.Trim(),
        Kind = AwsLinked,
        Region = request.Region ?? root.Region,
        PayerAccountId = root.PayerAccountId,
        ParentDataSourceId = root.Id,
        AccountId = accountId,
        CreatedByUserId = createdBy.UserId,
        CreatedByEmail = createdBy.Email,
    };

    /// <summary>A linked account has no reports of its own: an update may not give it a bucket, prefix or report.</summary>
    public static FieldErrors CheckLinked(UpdateDataSourceRequest request)
    {
        var errors = new FieldErrors();
        DataSourceRules.LinkedAccount(errors, Guid.Empty, request.Bucket, request.Prefix, request.ReportName);
        DataSourceRules.MemberAccountRole(errors, request.MemberAccountRole, isRoot: false, onChange: true);
        return errors;
    }

    /// <summary>
    /// What a checked update changes on <paramref name="existing"/>: the request's fields over the stored
    /// ones; moving the reports (bucket, prefix, report or region) forgets the detected report name and
    /// region so validation detects them again; new credentials or a move must be validated again.
    /// </summary>
    public static UpdatePlan Plan(DataSourceRow existing, UpdateDataSourceRequest request)
    {
        var prefix = request.Prefix is null ? existing.Prefix : DataSourceRules.NormalizePrefix(request.Prefix);
        var bucket = request.Bucket ?? existing.Bucket;
        var moved = bucket != existing.Bucket || prefix != existing.Prefix
            || (request.ReportName is not null && request.ReportName != existing.ReportName)
            || (request.Region is not null && request.Region != existing.Region);
        var row = new DataSourceRow
        {
            Id = existing.Id,
            OrganizationId = existing.OrganizationId,
            Name = request.Name?.Trim() ?? existing.Name,
            Kind = existing.Kind,
            AuthType = existing.AuthType,
            AccessKeyId = existing.AccessKeyId,
            SecretCiphertext = existing.SecretCiphertext,
            SecretKeyId = existing.SecretKeyId,
            RoleArn = existing.RoleArn,
            ExternalId = existing.ExternalId,
            Bucket = bucket,
            Prefix = prefix,
            ReportName = request.ReportName ?? (moved ? null : existing.ReportName),
            Region = request.Region ?? existing.Region,
            PayerAccountId = existing.PayerAccountId,
            ParentDataSourceId = existing.ParentDataSourceId,
            AccountId = existing.AccountId,
            MemberAccountRole = request.MemberAccountRole is null ? existing.MemberAccountRole : request.MemberAccountRole.RoleName,
            DisabledFeatures = existing.DisabledFeatures,
            Validation = existing.Validation,
            ValidatedAt = existing.ValidatedAt,
        };
        // A data source's external id never changes once it has one: a new role ARN is assumed with it.
        var credentials = CredentialsIn(request.AccessKeyId, request.SecretAccessKey, request.RoleArn, existing.ExternalId ?? request.ExternalId);
        return new UpdatePlan(row, credentials, moved, request.Region ?? (moved ? null : existing.Region))
        {
            // A new member account role is tried in the member accounts before it is saved, like new credentials.
            NewMemberAccountRole = row.MemberAccountRole is not null && row.MemberAccountRole != existing.MemberAccountRole,
        };
    }

    /// <summary>
    /// What is wrong with the external id a request gives for a role, or null. <paramref name="currentExternalId"/>
    /// is the data source's own (null on connect, or when it never had a role); <paramref name="issuedAndUnused"/>
    /// whether DigiUsher issued the requested one to the organization and no data source took it.
    /// </summary>
    public static string? ExternalIdProblem(string? currentExternalId, string? requestedExternalId, bool issuedAndUnused) =>
        currentExternalId is not null
            ? requestedExternalId is null || requestedExternalId == currentExternalId
                ? null
                : $"This data source's external id is '{currentExternalId}' and never changes: leave 'externalId' out (the role's trust policy keeps requiring it)."
            : requestedExternalId is null
                ? "'externalId' is required to assume a role: get one from POST /api/v1/aws/external-ids and require it in the role's trust policy."
                : issuedAndUnused
                    ? null
                    : "'externalId' must be one DigiUsher issued to your organization (POST /api/v1/aws/external-ids) and no other data source uses; "
                      + "DigiUsher generates external ids so that no one else can connect your role.";

    /// <summary>
    /// Writes an accepted validation on the row: the report and region it found (a region the request
    /// named wins), the payer account, the features the missing permissions turn off.
    /// </summary>
    public static void Accept(DataSourceRow row, ValidationReport report, string? requestedRegion)
    {
        row.ReportName = report.ReportName;
        row.Region = requestedRegion ?? report.BucketRegion ?? row.Region;
        row.PayerAccountId = report.PayerAccountId ?? row.PayerAccountId;
        row.AccountId = report.AccountId ?? row.AccountId;
        Record(row, report);
    }

    /// <summary>Keeps a validation's report on the row; only an accepted one changes the disabled features.</summary>
    public static void Record(DataSourceRow row, ValidationReport report)
    {
        row.Validation = ValidationJson.Write(report);
        row.ValidatedAt = report.CheckedAt;
        if (report.Accepted)
        {
            row.DisabledFeatures = [.. report.DisabledFeatures];
        }
    }
}

/// <summary>What an update changes.</summary>
/// <param name="Row">The row to write (credentials still the stored ones).</param>
/// <param name="NewCredentials">Credentials the request gives, if any.</param>
/// <param name="Moved">The bucket, prefix, report or region changed.</param>
/// <param name="RegionToCheck">The region validation is told (none after a move without a region: S3 says).</param>
public sealed record UpdatePlan(DataSourceRow Row, ConnectionCredentials? NewCredentials, bool Moved, string? RegionToCheck)
{
    /// <summary>A member account role the data source did not have.</summary>
    public bool NewMemberAccountRole { get; init; }

    /// <summary>New credentials, a move or a new member account role are validated against AWS again before they are saved.</summary>
    public bool Revalidates => NewCredentials is not null || Moved || NewMemberAccountRole;
}
