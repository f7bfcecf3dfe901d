using Dapper;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;

namespace DigiUsher.DataSource.Data;

/// <summary>A data source as stored (the secret only as ciphertext).</summary>
public sealed class DataSourceRow
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Kind { get; set; } = "aws-root";

    public string AuthType { get; set; } = string.Empty;

    public string? AccessKeyId { get; set; }

    public byte[]? SecretCiphertext { get; set; }

    public string? SecretKeyId { get; set; }

    public string? RoleArn { get; set; }

    public string? ExternalId { get; set; }

    public string Bucket { get; set; } = string.Empty;

    public string Prefix { get; set; } = string.Empty;

    public string? ReportName { get; set; }

    public string Region { get; set; } = string.Empty;

    public string PayerAccountId { get; set; } = string.Empty;

    /// <summary>For an <c>aws-linked</c> data source: the root whose CUR bills it.</summary>
    public Guid? ParentDataSourceId { get; set; }

    /// <summary>For an <c>aws-linked</c> data source: its member account id (empty for a root).</summary>
    public string AccountId { get; set; } = string.Empty;

    /// <summary>For an <c>aws-root</c> data source: the role name assumed in each member account for discovery (null: none).</summary>
    public string? MemberAccountRole { get; set; }

    public string[] DisabledFeatures { get; set; } = [];

    public string? Validation { get; set; }

    public DateTimeOffset? ValidatedAt { get; set; }

    public int Version { get; set; }

    public Guid CreatedByUserId { get; set; }

    public string CreatedByEmail { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Whether an update connects a new role, and whether it takes an external id the data source did not have.</summary>
public enum RoleChange
{
    None,
    NewRole,
    NewRoleAndExternalId,
}

/// <summary>The organization has as many data sources as its quota allows (<paramref name="existing"/>).</summary>
public sealed class QuotaExceededException(int existing) : Exception($"{existing} data sources")
{
    public int Existing { get; } = existing;
}

/// <summary>The store's last check of a role, under the role's lock, failed (a concurrent change won).</summary>
public sealed class RoleGuardException(RoleGuardException.Reason why) : Exception(why.ToString())
{
    public enum Reason
    {
        /// <summary>Another organization has connected the role.</summary>
        ConnectedElsewhere,

        /// <summary>The external id is not (or no longer) one issued to the organization and unused.</summary>
        ExternalIdNotIssued,
    }

    public Reason Why { get; } = why;
}

/// <summary>An event to put in the outbox with the change that caused it.</summary>
public sealed record OutboxEvent(object Message, Guid MessageId);

/// <summary>Data sources in the <c>datasource</c> schema; every change commits with its outbox event.</summary>
public sealed class DataSourceStore(NpgsqlDataSource dataSource, OutboxWriter outbox)
{
    private const string Columns = """
        id, organization_id, name, kind, auth_type, access_key_id, secret_ciphertext, secret_key_id, role_arn, external_id,
        bucket, prefix, report_name, region, payer_account_id, disabled_features, validation::text as validation, validated_at,
        version, created_by_user_id, created_by_email, created_at, updated_at, parent_data_source_id, account_id, member_account_role
        """;

    static DataSourceStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task<DataSourceRow?> GetAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DataSourceRow>(
            $"select {Columns} from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId and id = @id", new { organizationId, id });
    }

    /// <summary>One page, oldest first, after the cursor (created_at, id).</summary>
    public async Task<IReadOnlyList<DataSourceRow>> ListAsync(Guid organizationId, (DateTimeOffset CreatedAt, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<DataSourceRow>(
            $"""
            select {Columns} from {DataSourceDb.Schema}.data_sources
            where organization_id = @organizationId and (@afterAt::timestamptz is null or (created_at, id) > (@afterAt, @afterId))
            order by created_at, id limit @limit
            """, new { organizationId, afterAt = after?.CreatedAt, afterId = after?.Id ?? Guid.Empty, limit })];
    }

    /// <summary>The organization's data sources.</summary>
    public async Task<int> CountAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(
            new CommandDefinition($"select count(*)::int from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId", new { organizationId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Inserts the data source with its event and answers it as stored; null when (payer account, bucket, prefix, report) exists in the organization.
    /// Throws <see cref="QuotaExceededException"/> when the organization has <paramref name="quota"/> data sources already (counted under a lock on the organization, so racing inserts cannot pass it).
    /// </summary>
    public async Task<DataSourceRow?> InsertAsync(DataSourceRow row, Func<DataSourceRow, OutboxEvent> connected, int quota, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "select pg_advisory_xact_lock(hashtext('digiusher-data-sources:' || @OrganizationId::text))", new { row.OrganizationId }, transaction, cancellationToken: cancellationToken));
        var existing = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"select count(*)::int from {DataSourceDb.Schema}.data_sources where organization_id = @OrganizationId", new { row.OrganizationId }, transaction, cancellationToken: cancellationToken));
        if (existing >= quota)
        {
            throw new QuotaExceededException(existing);
        }

        await GuardRoleAsync(connection, transaction, row, consumeExternalId: row.AuthType == "role", cancellationToken);
        var inserted = await connection.QuerySingleOrDefaultAsync<DataSourceRow>(
            $"""
            insert into {DataSourceDb.Schema}.data_sources (id, organization_id, name, kind, auth_type, access_key_id, secret_ciphertext, secret_key_id,
                role_arn, external_id, bucket, prefix, report_name, region, payer_account_id, disabled_features, validation, validated_at,
                created_by_user_id, created_by_email, parent_data_source_id, account_id, member_account_role)
            values (@Id, @OrganizationId, @Name, @Kind, @AuthType, @AccessKeyId, @SecretCiphertext, @SecretKeyId,
                @RoleArn, @ExternalId, @Bucket, @Prefix, @ReportName, @Region, @PayerAccountId, @DisabledFeatures, @Validation::jsonb, @ValidatedAt,
                @CreatedByUserId, @CreatedByEmail, @ParentDataSourceId, @AccountId, @MemberAccountRole)
            on conflict do nothing
            returning {Columns}
            """, row, transaction);
        if (inserted is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await AddEventAsync(connection, transaction, connected(inserted));
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>
    /// Writes the row (bumping its version) if it still has <paramref name="expectedVersion"/>, with the
    /// event built from the stored result. Null when it changed meanwhile or is gone; throws
    /// <see cref="PostgresException"/> with <c>UniqueViolation</c> when the new natural key is taken.
    /// </summary>
    public Task<DataSourceRow?> UpdateAsync(DataSourceRow row, int expectedVersion, Func<DataSourceRow, OutboxEvent?> updated, CancellationToken cancellationToken) =>
        UpdateAsync(row, expectedVersion, updated, RoleChange.None, cancellationToken);

    /// <summary>
    /// As the other overload; <paramref name="roleChange"/> says the row takes a new role (checked again
    /// under the role's lock), with an external id it did not have (used up).
    /// </summary>
    public async Task<DataSourceRow?> UpdateAsync(DataSourceRow row, int expectedVersion, Func<DataSourceRow, OutboxEvent?> updated, RoleChange roleChange, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (roleChange != RoleChange.None)
        {
            await GuardRoleAsync(connection, transaction, row, roleChange == RoleChange.NewRoleAndExternalId, cancellationToken);
        }

        var stored = await connection.QuerySingleOrDefaultAsync<DataSourceRow>(
            $"""
            update {DataSourceDb.Schema}.data_sources set name = @Name, auth_type = @AuthType, access_key_id = @AccessKeyId,
                secret_ciphertext = @SecretCiphertext, secret_key_id = @SecretKeyId, role_arn = @RoleArn, external_id = @ExternalId,
                bucket = @Bucket, prefix = @Prefix, report_name = @ReportName, region = @Region, payer_account_id = @PayerAccountId,
                disabled_features = @DisabledFeatures, validation = @Validation::jsonb, validated_at = @ValidatedAt,
                member_account_role = @MemberAccountRole, version = version + 1, updated_at = now()
            where organization_id = @OrganizationId and id = @Id and version = @expectedVersion
            returning {Columns}
            """, new
            {
                row.Id, row.OrganizationId, row.Name, row.AuthType, row.AccessKeyId, row.SecretCiphertext, row.SecretKeyId, row.RoleArn,
                row.ExternalId, row.Bucket, row.Prefix, row.ReportName, row.Region, row.PayerAccountId, row.DisabledFeatures,
                row.Validation, row.ValidatedAt, row.MemberAccountRole, expectedVersion,
            }, transaction);
        if (stored is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        if (updated(stored) is { } change)
        {
            await AddEventAsync(connection, transaction, change);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Deletes the data source (its secret with it) and writes its event; false when it was not there, or
    /// no longer at <paramref name="expectedVersion"/> when one is given (a change came first).
    /// </summary>
    public async Task<bool> DeleteAsync(Guid organizationId, Guid id, int? expectedVersion, OutboxEvent removed, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(
            $"delete from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId and id = @id and (@expectedVersion::int is null or version = @expectedVersion)",
            new { organizationId, id, expectedVersion }, transaction);
        if (deleted == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await AddEventAsync(connection, transaction, removed);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Writes an event about an existing data source; false when it is not the organization's.</summary>
    /// <summary>The organization of a data source, whichever it is (operators' endpoints only); null when there is none.</summary>
    public async Task<Guid?> FindOrganizationAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            $"select organization_id from {DataSourceDb.Schema}.data_sources where id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<bool> AddEventIfExistsAsync(Guid organizationId, Guid id, OutboxEvent change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(
            $"select exists (select 1 from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId and id = @id for share)",
            new { organizationId, id }, transaction);
        if (!exists)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await AddEventAsync(connection, transaction, change);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>True when a data source of another organization assumes this role (IAM role names are case-insensitive).</summary>
    /// <summary>The member accounts the organization connected as <c>aws-linked</c> data sources of their own.</summary>
    public async Task<IReadOnlySet<string>> LinkedAccountIdsAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<string>(
            $"select account_id from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId and kind = 'aws-linked'", new { organizationId });
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    public async Task<bool> RoleConnectedElsewhereAsync(Guid organizationId, string roleArn, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(RoleElsewhereSql, new { organizationId, roleArn });
    }

    private const string RoleElsewhereSql = $"""
        select exists (select 1 from {DataSourceDb.Schema}.data_sources
                       where lower(role_arn) = lower(@roleArn) and organization_id <> @organizationId)
        """;

    /// <summary>
    /// The connector's checks again, under a lock on the role's ARN, so two
    /// organizations connecting one role at once cannot both succeed; uses up the external id.
    /// </summary>
    private static async Task GuardRoleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DataSourceRow row, bool consumeExternalId, CancellationToken cancellationToken)
    {
        if (row.AuthType != "role" || row.RoleArn is null)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "select pg_advisory_xact_lock(hashtext('digiusher-role:' || lower(@RoleArn)))", new { row.RoleArn }, transaction, cancellationToken: cancellationToken));
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            RoleElsewhereSql, new { organizationId = row.OrganizationId, roleArn = row.RoleArn }, transaction, cancellationToken: cancellationToken)))
        {
            throw new RoleGuardException(RoleGuardException.Reason.ConnectedElsewhere);
        }

        if (consumeExternalId && await connection.ExecuteAsync(new CommandDefinition(
            $"delete from {DataSourceDb.Schema}.external_ids where organization_id = @OrganizationId and external_id = @ExternalId",
            new { row.OrganizationId, row.ExternalId }, transaction, cancellationToken: cancellationToken)) == 0)
        {
            throw new RoleGuardException(RoleGuardException.Reason.ExternalIdNotIssued);
        }
    }

    private Task AddEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxEvent change) =>
        change.Message switch
        {
            DigiUsher.Contracts.DataSourceConnected m => outbox.AddAsync(connection, transaction, m, change.MessageId),
            DigiUsher.Contracts.DataSourceUpdated m => outbox.AddAsync(connection, transaction, m, change.MessageId),
            DigiUsher.Contracts.DataSourceRemoved m => outbox.AddAsync(connection, transaction, m, change.MessageId),
            DigiUsher.Contracts.PollRequested m => outbox.AddAsync(connection, transaction, m, change.MessageId),
            DigiUsher.Contracts.ReimportRequested m => outbox.AddAsync(connection, transaction, m, change.MessageId),
            _ => throw new ArgumentOutOfRangeException(nameof(change), change.Message.GetType().Name, "Not an event of DataSource."),
        };
}
