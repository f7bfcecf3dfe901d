using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using Npgsql;

namespace DigiUsher.Query.Resources;

/// <summary>
/// The resource inventory from discovery events, idempotent and order-tolerant: a resource keeps the
/// newest sighting; a completed run marks what it covered but did not see as gone (as of the run's
/// start, so a late chunk of an older run cannot bring it back).
/// </summary>
public sealed class ResourceStore(NpgsqlDataSource dataSource)
{
    public async Task UpsertAsync(ResourcesDiscovered message, CancellationToken cancellationToken)
    {
        var rows = message.Resources.Where(r => !string.IsNullOrEmpty(r.ResourceId)).DistinctBy(r => r.ResourceId).Select(r => new
        {
            resourceId = r.ResourceId,
            kind = string.IsNullOrEmpty(r.Kind) ? message.ResourceType : r.Kind,
            name = r.Name,
            region = string.IsNullOrEmpty(r.Region) ? message.Region : r.Region,
            state = r.State,
            createdAt = r.CreatedAt,
            tags = r.Tags ?? new Dictionary<string, string>(),
            attributes = r.Attributes ?? new Dictionary<string, string>(),
            ownerEmail = string.IsNullOrWhiteSpace(r.OwnerEmail) ? null : r.OwnerEmail.Trim(),
            ownerRule = r.OwnerRule,
            cpu = r.Cpu,
        });
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.resources as r (data_source_id, resource_id, organization_id, account_id, kind, name, region, state,
                created_at, tags, attributes, owner_email, owner_rule, cpu, run_id, discovered_at, first_seen_at)
            select @DataSourceId, x."resourceId", @OrganizationId, @AccountId, x.kind, x.name, x.region, x.state, x."createdAt",
                coalesce(x.tags, jsonb_build_object()), coalesce(x.attributes, jsonb_build_object()), x."ownerEmail", x."ownerRule", x.cpu, @RunId, @DiscoveredAt, @DiscoveredAt
            from jsonb_to_recordset(@rows::jsonb) as x("resourceId" text, kind text, name text, region text, state text,
                "createdAt" timestamptz, tags jsonb, attributes jsonb, "ownerEmail" text, "ownerRule" text, cpu jsonb)
            on conflict (data_source_id, resource_id) do update set
                account_id = excluded.account_id, kind = excluded.kind, name = excluded.name, region = excluded.region,
                state = excluded.state, created_at = excluded.created_at, tags = excluded.tags, attributes = excluded.attributes,
                owner_email = excluded.owner_email, owner_rule = excluded.owner_rule, cpu = excluded.cpu, run_id = excluded.run_id,
                discovered_at = excluded.discovered_at, gone_at = null
            where r.discovered_at <= excluded.discovered_at and (r.gone_at is null or r.gone_at < excluded.discovered_at)
            """,
            new
            {
                message.DataSourceId, message.OrganizationId, message.AccountId, message.RunId, message.DiscoveredAt,
                rows = JsonSerializer.Serialize(rows, JsonDefaults.Options),
            });
    }

    public async Task CompleteRunAsync(DiscoveryCompleted message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.discovery_runs (run_id, organization_id, data_source_id, account_id, covered, skipped, started_at, completed_at)
            values (@RunId, @OrganizationId, @DataSourceId, @AccountId, @covered, @skipped::jsonb, @StartedAt, @CompletedAt)
            on conflict (run_id) do nothing;
            update {QueryDb.Schema}.resources
            set gone_at = @StartedAt
            where data_source_id = @DataSourceId and account_id = @AccountId and gone_at is null
              and kind || '@' || region = any(@covered)
              and run_id <> @RunId and discovered_at < @StartedAt;
            -- A root's member accounts (discovered through its member account role) are covered as kind@region@accountId,
            -- buckets account-wide as s3-bucket@global@accountId.
            update {QueryDb.Schema}.resources
            set gone_at = @StartedAt
            where data_source_id = @DataSourceId and account_id <> @AccountId and gone_at is null
              and (kind || '@' || region || '@' || account_id = any(@covered) or kind || '@global@' || account_id = any(@covered))
              and run_id <> @RunId and discovered_at < @StartedAt;
            """,
            new
            {
                message.RunId, message.OrganizationId, message.DataSourceId, message.AccountId,
                message.StartedAt, message.CompletedAt,
                covered = message.Covered.ToArray(),
                skipped = JsonSerializer.Serialize(message.Skipped, JsonDefaults.Options),
            },
            transaction);
        await transaction.CommitAsync(cancellationToken);
    }
}
