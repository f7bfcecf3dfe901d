using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;

namespace DigiUsher.DataSource.Data;

public enum OrganizationDeletion
{
    Deleted,
    NotFound,

    /// <summary>The confirmation did not repeat the organization's name.</summary>
    NameMismatch,
}

/// <summary>
/// Deletes an organization and everything it had in the <c>datasource</c> schema, and announces it, in one
/// transaction: each data source removed (<see cref="DataSourceRemoved"/>, which purges its data in every
/// service), every user's and service client's tokens revoked, then <see cref="OrganizationDeleted"/> (owner
/// rules and the like elsewhere).
/// </summary>
public sealed class OrganizationStore(NpgsqlDataSource dataSource, OutboxWriter outbox, IdentityStore identity)
{
    public async Task<string?> NameAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>($"select name from {DataSourceDb.Schema}.organizations where id = @organizationId", new { organizationId });
    }

    /// <param name="organizationId">The organization.</param>
    /// <param name="confirmName">Its name as the admin repeated it.</param>
    /// <param name="removed">The removal event of one of its data sources.</param>
    /// <param name="deleted">The organization's deletion event.</param>
    /// <param name="now">When.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public async Task<OrganizationDeletion> DeleteAsync(
        Guid organizationId, string confirmName, Func<Guid, OutboxEvent> removed, OutboxEvent deleted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var name = await connection.ExecuteScalarAsync<string?>(
            $"select name from {DataSourceDb.Schema}.organizations where id = @organizationId for update", new { organizationId }, transaction);
        if (name is null || name != confirmName)
        {
            await transaction.RollbackAsync(cancellationToken);
            return name is null ? OrganizationDeletion.NotFound : OrganizationDeletion.NameMismatch;
        }

        var dataSources = await connection.QueryAsync<Guid>(
            $"delete from {DataSourceDb.Schema}.data_sources where organization_id = @organizationId returning id", new { organizationId }, transaction);
        foreach (var id in dataSources)
        {
            var removal = removed(id);
            await outbox.AddAsync(connection, transaction, (DataSourceRemoved)removal.Message, removal.MessageId);
        }

        var emails = (await connection.QueryAsync<string>(
            $"select email_normalized from {DataSourceDb.Schema}.users where organization_id = @organizationId", new { organizationId }, transaction)).ToArray();
        var subjects = await connection.QueryAsync<Guid>(
            $"""
            select id from {DataSourceDb.Schema}.users where organization_id = @organizationId
            union all select id from {DataSourceDb.Schema}.service_clients where organization_id = @organizationId
            """, new { organizationId }, transaction);
        foreach (var subject in subjects)
        {
            await identity.RevokeTokensAsync(connection, transaction, organizationId, subject.ToString(), now);
        }

        // Failed-login counters are keyed by login name and address: the organization's emails.
        await connection.ExecuteAsync(
            $"delete from {DataSourceDb.Schema}.login_failures where split_part(throttle_key, '|', 1) = any(@emails)", new { emails }, transaction);
        await outbox.AddAsync(connection, transaction, (OrganizationDeleted)deleted.Message, deleted.MessageId);
        await OrganizationPurge.DeleteRowsAsync(connection, transaction, DataSourceDb.Schema, organizationId);
        // Users (their refresh tokens, codes, mails), service clients and their secrets, external ids, the audit log: by cascade.
        await connection.ExecuteAsync($"delete from {DataSourceDb.Schema}.organizations where id = @organizationId", new { organizationId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return OrganizationDeletion.Deleted;
    }
}
