using Dapper;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Quotas;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using DigiUsher.ServiceDefaults.Quotas;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.DataSource.Data;

/// <summary>Operators' quota overrides per organization (<c>datasource.quota_overrides</c>), and the quotas in force they make.</summary>
public sealed class QuotaOverrideStore(NpgsqlDataSource dataSource, OutboxWriter outbox, IOptions<TenantQuotas> defaults, TimeProvider time)
{
    private const string Columns = """
        organization_id as OrganizationId, data_sources_per_organization as DataSourcesPerOrganization, keys_listed_per_poll as KeysListedPerPoll,
        manifest_bytes as ManifestBytes, delivery_bytes as DeliveryBytes, delivery_rows as DeliveryRows, reason as Reason, expires_at as ExpiresAt,
        updated_at as UpdatedAt, updated_by as UpdatedBy
        """;

    /// <summary>The organization's quotas in force now.</summary>
    public async Task<EffectiveQuotas> EffectiveAsync(Guid organizationId, CancellationToken cancellationToken) =>
        Effective(await GetAsync(organizationId, cancellationToken));

    /// <summary>The quotas in force now with <paramref name="stored"/> (the defaults when null or expired).</summary>
    public EffectiveQuotas Effective(QuotaOverride? stored) => EffectiveQuotas.Of(defaults.Value, stored, time.GetUtcNow());

    /// <summary>The stored override (expired or not), or null.</summary>
    public async Task<QuotaOverride?> GetAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<QuotaOverride>(new CommandDefinition(
            $"select {Columns} from {DataSourceDb.Schema}.quota_overrides where organization_id = @organizationId", new { organizationId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Replaces the organization's override and announces it (<see cref="OrganizationQuotasChanged"/>, in the same
    /// transaction); null when there is no such organization.
    /// </summary>
    public async Task<QuotaOverride?> SetAsync(Guid organizationId, SetQuotaOverrideRequest request, string updatedBy, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await connection.QuerySingleOrDefaultAsync<QuotaOverride>(new CommandDefinition(
            $"""
            insert into {DataSourceDb.Schema}.quota_overrides
                (organization_id, data_sources_per_organization, keys_listed_per_poll, manifest_bytes, delivery_bytes, delivery_rows, reason, expires_at, updated_at, updated_by)
            select o.id, @DataSourcesPerOrganization, @KeysListedPerPoll, @ManifestBytes, @DeliveryBytes, @DeliveryRows, @Reason, @ExpiresAt, @now, @updatedBy
            from {DataSourceDb.Schema}.organizations o where o.id = @organizationId
            on conflict (organization_id) do update set
                data_sources_per_organization = excluded.data_sources_per_organization, keys_listed_per_poll = excluded.keys_listed_per_poll,
                manifest_bytes = excluded.manifest_bytes, delivery_bytes = excluded.delivery_bytes, delivery_rows = excluded.delivery_rows,
                reason = excluded.reason, expires_at = excluded.expires_at, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            returning {Columns}
            """,
            new
            {
                organizationId, request.DataSourcesPerOrganization, request.KeysListedPerPoll, request.ManifestBytes, request.DeliveryBytes, request.DeliveryRows,
                Reason = request.Reason!.Trim(), ExpiresAt = request.ExpiresAt?.ToUniversalTime(), now = time.GetUtcNow(), updatedBy,
            },
            transaction,
            cancellationToken: cancellationToken));
        if (stored is not null)
        {
            await AnnounceAsync(connection, transaction, organizationId, stored.ForOtherServices(), stored.UpdatedAt);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>Removes the organization's override (the defaults apply again) and announces it. False when it had none.</summary>
    public async Task<bool> ClearAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var cleared = await connection.ExecuteAsync(new CommandDefinition(
            $"delete from {DataSourceDb.Schema}.quota_overrides where organization_id = @organizationId", new { organizationId }, transaction, cancellationToken: cancellationToken)) > 0;
        if (cleared)
        {
            await AnnounceAsync(connection, transaction, organizationId, null, time.GetUtcNow());
        }

        await transaction.CommitAsync(cancellationToken);
        return cleared;
    }

    private Task AnnounceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizationId, OrganizationQuotaOverrides? overrides, DateTimeOffset at)
    {
        var changed = new OrganizationQuotasChanged(organizationId, overrides, at, $"{organizationId}:quotas:{at.ToUnixTimeMilliseconds()}");
        return outbox.AddAsync(connection, transaction, changed, MessageIds.Sha256NameBased("digiusher:datasource:" + changed.IdempotencyKey));
    }

    public async Task<bool> OrganizationExistsAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"select exists (select 1 from {DataSourceDb.Schema}.organizations where id = @organizationId)", new { organizationId }, cancellationToken: cancellationToken));
    }
}
