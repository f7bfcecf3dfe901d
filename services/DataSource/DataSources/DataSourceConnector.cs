using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Quotas;
using DigiUsher.DataSource.Secrets;
using DigiUsher.DataSource.Validation;
using Npgsql;

namespace DigiUsher.DataSource.DataSources;

/// <summary>
/// The use cases that write a data source's connection: connect, change (re-validated when the
/// credentials or the reports' location change) and validate again. Each answers an outcome the API
/// turns into a response; the decisions are <see cref="DataSourceChange"/>'s.
/// </summary>
public sealed class DataSourceConnector(
    ConnectionValidator validator, DataSourceStore store, ExternalIdStore externalIds, DataSourceCredentialsReader reader, SecretCipher cipher, TimeProvider time,
    QuotaOverrideStore quotas, MemberAccountRoles memberRoles)
{
    public async Task<DataSourceOutcome> ConnectAsync(Guid organizationId, CreatedBy createdBy, CreateDataSourceRequest request, CancellationToken cancellationToken)
    {
        if (DataSourceChange.Check(request) is { Any: true } errors)
        {
            return new DataSourceOutcome.Invalid(errors);
        }

        // Refused before AWS is called; checked again under a lock when the row is inserted.
        var quota = await quotas.EffectiveAsync(organizationId, cancellationToken);
        if (await store.CountAsync(organizationId, cancellationToken) is var existing && existing >= quota.Values.DataSourcesPerOrganization)
        {
            return new DataSourceOutcome.OverQuota(existing, quota.Values.DataSourcesPerOrganization, quota.DataSourcesOrigin);
        }

        if (request.Kind == DataSourceChange.AwsLinked)
        {
            return await ConnectLinkedAsync(organizationId, createdBy, request, quota, cancellationToken);
        }

        var row = DataSourceChange.NewRow(Guid.CreateVersion7(), organizationId, createdBy, request);
        var credentials = DataSourceChange.CredentialsIn(request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId)!;
        if (credentials is ConnectionCredentials.Role role && await RoleProblemAsync(organizationId, null, role, cancellationToken) is { } refused)
        {
            return refused;
        }

        var report = await ValidateAsync(row, credentials, request.Region, cancellationToken);
        if (!report.Accepted)
        {
            return new DataSourceOutcome.Refused(report);
        }

        return await InsertAcceptedAsync(row, credentials, report, request.Region, quota, cancellationToken);
    }

    /// <summary>
    /// Changes a data source if it still is the version the caller read (<paramref name="precondition"/>, its If-Match;
    /// null when none was given): otherwise <see cref="DataSourceOutcome.PreconditionFailed"/>.
    /// </summary>
    public async Task<DataSourceOutcome> ChangeAsync(
        Guid organizationId, Guid id, UpdateDataSourceRequest request, Func<DataSourceRow, bool>? precondition, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(organizationId, id, cancellationToken);
        if (existing is null)
        {
            return new DataSourceOutcome.NotFound();
        }

        if (precondition is not null && !precondition(existing))
        {
            return new DataSourceOutcome.PreconditionFailed();
        }

        if (DataSourceChange.Check(request) is { Any: true } errors)
        {
            return new DataSourceOutcome.Invalid(errors);
        }

        if (existing.Kind == DataSourceChange.AwsLinked && DataSourceChange.CheckLinked(request) is { Any: true } linkedErrors)
        {
            return new DataSourceOutcome.Invalid(linkedErrors);
        }

        var plan = DataSourceChange.Plan(existing, request);
        var row = plan.Row;
        if (plan.NewCredentials is ConnectionCredentials.Role newRole
            && await RoleProblemAsync(organizationId, existing.ExternalId, newRole with { ExternalId = request.ExternalId ?? newRole.ExternalId }, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (plan.Revalidates)
        {
            var credentials = plan.NewCredentials ?? reader.CredentialsOf(existing);
            var report = await ValidateAsync(row, credentials, plan.RegionToCheck, cancellationToken);
            if (!report.Accepted)
            {
                return new DataSourceOutcome.Refused(report);
            }

            DataSourceChange.Accept(row, report, request.Region);
            if (plan.NewCredentials is not null)
            {
                SetCredentials(row, plan.NewCredentials);
            }
        }

        var now = time.GetUtcNow();
        try
        {
            var roleChange = plan.NewCredentials is not ConnectionCredentials.Role ? RoleChange.None
                : existing.ExternalId is null ? RoleChange.NewRoleAndExternalId : RoleChange.NewRole;
            var stored = await store.UpdateAsync(row, existing.Version, s => DataSourceEvents.Updated(s, plan.NewCredentials is not null, now), roleChange, cancellationToken);
            // Changed between reading and writing: the version the caller's If-Match named is gone too.
            return stored is not null ? new DataSourceOutcome.Saved(stored)
                : precondition is null ? new DataSourceOutcome.ChangedMeanwhile() : new DataSourceOutcome.PreconditionFailed();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new DataSourceOutcome.Duplicate(row, Existed: false);
        }
        catch (RoleGuardException guard)
        {
            return Refusal(guard, row.ExternalId);
        }
    }

    private static DataSourceOutcome Refusal(RoleGuardException guard, string? externalId)
    {
        if (guard.Why == RoleGuardException.Reason.ConnectedElsewhere)
        {
            return new DataSourceOutcome.RoleConnectedElsewhere();
        }

        var errors = new FieldErrors();
        errors.Add("externalId", DataSourceChange.ExternalIdProblem(null, externalId, issuedAndUnused: false)!);
        return new DataSourceOutcome.Invalid(errors);
    }

    /// <summary>
    /// Why a role may not be connected, or null: the external id must be the data source's own or one
    /// issued to the organization, and no other organization may have connected the role (checked again
    /// under a lock when the row is written).
    /// </summary>
    private async Task<DataSourceOutcome?> RoleProblemAsync(Guid organizationId, string? currentExternalId, ConnectionCredentials.Role role, CancellationToken cancellationToken)
    {
        var issued = currentExternalId is null && role.ExternalId is { } requested && await externalIds.IsUnusedAsync(organizationId, requested, cancellationToken);
        if (DataSourceChange.ExternalIdProblem(currentExternalId, role.ExternalId, issued) is { } problem)
        {
            var errors = new FieldErrors();
            errors.Add("externalId", problem);
            return new DataSourceOutcome.Invalid(errors);
        }

        return await store.RoleConnectedElsewhereAsync(organizationId, role.RoleArn, cancellationToken)
            ? new DataSourceOutcome.RoleConnectedElsewhere()
            : null;
    }

    /// <summary>Checks the stored connection again and keeps the report; a change of the disabled features is announced.</summary>
    public async Task<ValidationReport?> RevalidateAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        if (await reader.GetAsync(organizationId, id, cancellationToken) is not { } found)
        {
            return null;
        }

        var (row, credentials) = found;

        var report = await ValidateAsync(row, credentials, row.Region, cancellationToken);
        var featuresChanged = report.Accepted && !report.DisabledFeatures.SequenceEqual(row.DisabledFeatures);
        var previousVersion = row.Version;
        DataSourceChange.Record(row, report);
        var now = time.GetUtcNow();
        await store.UpdateAsync(row, previousVersion, s => featuresChanged ? DataSourceEvents.Updated(s, false, now) : null, cancellationToken);
        return report;
    }

    /// <summary>
    /// An <c>aws-linked</c> account under one of the organization's root data sources: a role follows the
    /// same external id rules as a root's; validation finds the account, which must be a member of the
    /// root's organization and not its payer.
    /// </summary>
    private async Task<DataSourceOutcome> ConnectLinkedAsync(
        Guid organizationId, CreatedBy createdBy, CreateDataSourceRequest request, EffectiveQuotas quota, CancellationToken cancellationToken)
    {
        var root = await store.GetAsync(organizationId, request.ParentDataSourceId!.Value, cancellationToken);
        if (root is not { Kind: DataSourceChange.AwsRoot })
        {
            var errors = new FieldErrors();
            errors.Add("parentDataSourceId", $"No root (aws-root) data source of this organization has the id {request.ParentDataSourceId}.");
            return new DataSourceOutcome.Invalid(errors);
        }

        var credentials = DataSourceChange.CredentialsIn(request.AccessKeyId, request.SecretAccessKey, request.RoleArn, request.ExternalId)!;
        if (credentials is ConnectionCredentials.Role role && await RoleProblemAsync(organizationId, null, role, cancellationToken) is { } refused)
        {
            return refused;
        }

        var report = await validator.ValidateLinkedAsync(LinkedTargetOf(credentials, request.Region ?? root.Region, root, expectedAccountId: null), cancellationToken);
        if (!report.Accepted)
        {
            return new DataSourceOutcome.Refused(report);
        }

        var row = DataSourceChange.NewLinkedRow(Guid.CreateVersion7(), organizationId, createdBy, request, root, report.AccountId!);
        return await InsertAcceptedAsync(row, credentials, report, request.Region, quota, cancellationToken);
    }

    /// <summary>Stores a new data source its validation accepted, with its encrypted credentials and its Connected event.</summary>
    private async Task<DataSourceOutcome> InsertAcceptedAsync(
        DataSourceRow row, ConnectionCredentials credentials, ValidationReport report, string? region, EffectiveQuotas quota, CancellationToken cancellationToken)
    {
        DataSourceChange.Accept(row, report, region);
        SetCredentials(row, credentials);
        var now = time.GetUtcNow();
        try
        {
            return await store.InsertAsync(row, stored => DataSourceEvents.Connected(stored, now), quota.Values.DataSourcesPerOrganization, cancellationToken) is { } inserted
                ? new DataSourceOutcome.Saved(inserted)
                : new DataSourceOutcome.Duplicate(row, Existed: true);
        }
        catch (QuotaExceededException over)
        {
            return new DataSourceOutcome.OverQuota(over.Existing, quota.Values.DataSourcesPerOrganization, quota.DataSourcesOrigin);
        }
        catch (RoleGuardException guard)
        {
            return Refusal(guard, row.ExternalId);
        }
    }

    /// <summary>Validates a root against its bucket, or a linked account against its root's organization.</summary>
    private async Task<ValidationReport> ValidateAsync(DataSourceRow row, ConnectionCredentials credentials, string? region, CancellationToken cancellationToken)
    {
        if (row.Kind != DataSourceChange.AwsLinked)
        {
            var report = await validator.ValidateAsync(new ConnectionTarget(credentials, row.Bucket, row.Prefix, row.ReportName, region), cancellationToken);
            return row.MemberAccountRole is { } roleName ? await memberRoles.CheckAsync(report, credentials, roleName, cancellationToken) : report;
        }

        // New credentials of a linked data source must still be its account's: another account is another data source.
        var root = row.ParentDataSourceId is { } parentId ? await store.GetAsync(row.OrganizationId, parentId, cancellationToken) : null;
        return await validator.ValidateLinkedAsync(LinkedTargetOf(credentials, region ?? row.Region, root, row.AccountId), cancellationToken);
    }

    // The root's credentials check membership only where its validation found organizations:ListAccounts allowed.
    private LinkedTarget LinkedTargetOf(ConnectionCredentials credentials, string region, DataSourceRow? root, string? expectedAccountId) => new(
        credentials,
        region,
        root is null ? null : reader.CredentialsOf(root),
        root is not null && !root.DisabledFeatures.Contains(DiscoveryProbes.Organizations),
        root?.PayerAccountId ?? string.Empty)
    {
        ExpectedAccountId = string.IsNullOrEmpty(expectedAccountId) ? null : expectedAccountId,
    };

    private void SetCredentials(DataSourceRow row, ConnectionCredentials credentials)
    {
        switch (credentials)
        {
            case ConnectionCredentials.AccessKeys keys:
                var secret = cipher.Encrypt(keys.SecretAccessKey, row.Id);
                row.AuthType = "access-key";
                row.AccessKeyId = keys.AccessKeyId;
                row.SecretCiphertext = secret.Ciphertext;
                row.SecretKeyId = secret.KeyId;
                row.RoleArn = null;
                break;
            case ConnectionCredentials.Role role:
                row.AuthType = "role";
                row.AccessKeyId = null;
                row.SecretCiphertext = null;
                row.SecretKeyId = null;
                row.RoleArn = role.RoleArn;
                row.ExternalId = role.ExternalId;
                break;
        }
    }
}

/// <summary>How a connect or change ended.</summary>
public abstract record DataSourceOutcome
{
    private DataSourceOutcome()
    {
    }

    /// <summary>Written; the row as stored.</summary>
    public sealed record Saved(DataSourceRow Row) : DataSourceOutcome;

    /// <summary>Fields are wrong; nothing was asked of AWS.</summary>
    public sealed record Invalid(FieldErrors Errors) : DataSourceOutcome;

    /// <summary>AWS refused the connection; nothing was written.</summary>
    public sealed record Refused(ValidationReport Report) : DataSourceOutcome;

    /// <summary>The organization has a data source for this payer account, bucket, prefix and report (Existed: found on connect rather than on a change).</summary>
    public sealed record Duplicate(DataSourceRow Row, bool Existed) : DataSourceOutcome;

    /// <summary>Another change was saved between reading and writing.</summary>
    public sealed record ChangedMeanwhile : DataSourceOutcome;

    /// <summary>The caller's If-Match names another version than the stored one.</summary>
    public sealed record PreconditionFailed : DataSourceOutcome;

    /// <summary>No such data source in the organization.</summary>
    public sealed record NotFound : DataSourceOutcome;

    /// <summary>Another organization has connected this role (which one is not said).</summary>
    public sealed record RoleConnectedElsewhere : DataSourceOutcome;

    /// <summary>The organization has <paramref name="Existing"/> data sources, its quota being <paramref name="Quota"/> (from <paramref name="Origin"/>: its setting or the organization's override).</summary>
    public sealed record OverQuota(int Existing, int Quota, string Origin) : DataSourceOutcome;
}
