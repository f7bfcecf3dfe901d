using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Owners;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.ResourceDiscovery.Data;

/// <summary>A data source as discovery knows it.</summary>
public sealed record DataSourceRecord(Guid OrganizationId, Guid DataSourceId, DataSourceSettings Settings);

/// <summary>The outcome of a run, ready to be stored and announced.</summary>
public sealed record RunOutcome(
    DataSourceRecord DataSource,
    Guid RunId,
    string AccountId,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    IReadOnlyList<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> Groups,
    IReadOnlyList<string> Covered,
    IReadOnlyList<DiscoverySkip> Skipped,
    IReadOnlyDictionary<string, string> Denied)
{
    /// <summary>The accounts of the AWS Organization the data source manages, when it could list them.</summary>
    public IReadOnlyList<MemberAccount>? MemberAccounts { get; init; }

    /// <summary>The member accounts discovered through the root's member account role, each with its own listings.</summary>
    public IReadOnlyList<MemberAccountOutcome> Members { get; init; } = [];

    /// <summary>
    /// The accounts whose earlier resources this data source keeps (its own, the members discovered or refused this
    /// run); the rest are gone from it: a member now connected as its own aws-linked data source, one that left the
    /// organization, or all members once the role is turned off. Null: the members could not be listed, keep all.
    /// </summary>
    public IReadOnlyList<string>? KeptAccounts { get; init; }
}

/// <summary>What a run found in one member account: its resources per region and kind and its complete listings (<c>kind@region</c>).</summary>
public sealed record MemberAccountOutcome(
    string AccountId,
    string Name,
    IReadOnlyList<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> Groups,
    IReadOnlyList<string> Covered)
{
    /// <summary>A member account's covered listing as announced: <c>kind@region@accountId</c> (the root's own stay <c>kind@region</c>).</summary>
    public static string Announced(string kindAtRegion, string accountId) => $"{kindAtRegion}@{accountId}";
}

/// <summary>The discovery schema: registry, run lock, inventory, and the events of each run via the outbox.</summary>
public sealed class DiscoveryStore(NpgsqlDataSource dataSource, OutboxWriter outbox, IOptions<DiscoveryOptions> options)
{
    // Run statuses as the column holds them; written as SQL constants (not parameters) so the insert's
    // on conflict can infer the partial index runs_one_running, whose predicate names 'running'.
    private static readonly string Running = StatusText.Of(RunStatus.Running);
    private static readonly string Completed = StatusText.Of(RunStatus.Completed);
    private static readonly string Failed = StatusText.Of(RunStatus.Failed);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions RowJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Records a connected or updated data source (ignoring older events) and asks for a run.</summary>
    public async Task UpsertDataSourceAsync(Guid organizationId, Guid dataSourceId, DataSourceSettings settings, DateTimeOffset occurredAt, bool credentialsRotated, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var applied = await connection.ExecuteAsync($"""
            insert into {DiscoveryDb.Schema}.data_sources (data_source_id, organization_id, settings, last_event_at, run_requested_at)
            values (@dataSourceId, @organizationId, @settings::jsonb, @occurredAt, now())
            on conflict (data_source_id) do update set
                settings = excluded.settings, last_event_at = excluded.last_event_at, run_requested_at = now()
            where {DiscoveryDb.Schema}.data_sources.last_event_at <= excluded.last_event_at and {DiscoveryDb.Schema}.data_sources.organization_id = excluded.organization_id
            """, new { dataSourceId, organizationId, settings = JsonSerializer.Serialize(settings, Json), occurredAt }, transaction);
        if (applied > 0 && credentialsRotated)
        {
            // New keys may carry the permissions the old ones lacked.
            await connection.ExecuteAsync($"delete from {DiscoveryDb.Schema}.denied_features where data_source_id = @dataSourceId", new { dataSourceId }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Stops discovery and purges the data source's inventory, runs and denied features (and any other table with a
    /// <c>data_source_id</c>); keeps a tombstone without its settings so a late event does not bring it back. Idempotent.
    /// </summary>
    public async Task RemoveDataSourceAsync(Guid organizationId, Guid dataSourceId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DataSourcePurge.ExcludeWritersAsync(connection, transaction, DiscoveryDb.Schema, dataSourceId);
        var tombstoned = await connection.ExecuteAsync($"""
            insert into {DiscoveryDb.Schema}.data_sources (data_source_id, organization_id, settings, last_event_at, removed_at)
            values (@dataSourceId, @organizationId, 'null'::jsonb, @occurredAt, @occurredAt)
            on conflict (data_source_id) do update set removed_at = coalesce({DiscoveryDb.Schema}.data_sources.removed_at, excluded.removed_at),
                run_requested_at = null, settings = 'null'::jsonb,
                last_event_at = greatest({DiscoveryDb.Schema}.data_sources.last_event_at, excluded.last_event_at)
            where {DiscoveryDb.Schema}.data_sources.organization_id = excluded.organization_id
            """, new { dataSourceId, organizationId, occurredAt }, transaction);
        if (tombstoned > 0)
        {
            await DataSourcePurge.DeleteRowsAsync(connection, transaction, DiscoveryDb.Schema, dataSourceId);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The member accounts the organization connected as <c>aws-linked</c> data sources (discovered by those, not by their root).</summary>
    public async Task<IReadOnlySet<string>> LinkedAccountIdsAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<string>($"""
            select settings->>'accountId' from {DiscoveryDb.Schema}.data_sources
            where organization_id = @organizationId and removed_at is null and settings->>'kind' = '{DataSourceKinds.AwsLinked}' and settings->>'accountId' is not null
            """, new { organizationId });
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Asks for a run of every data source of an organization (its owner rules changed).</summary>
    public async Task RequestRunsAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"update {DiscoveryDb.Schema}.data_sources set run_requested_at = now() where organization_id = @organizationId and removed_at is null",
            new { organizationId });
    }

    /// <summary>Data sources asked for or due by schedule, with no run in progress.</summary>
    public async Task<IReadOnlyList<DataSourceRecord>> DueAsync(TimeSpan interval, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid OrganizationId, Guid DataSourceId, string Settings)>($"""
            select d.organization_id, d.data_source_id, d.settings::text from {DiscoveryDb.Schema}.data_sources d
            where d.removed_at is null and d.settings <> 'null'::jsonb
              and (d.run_requested_at is not null or d.last_run_started_at is null or d.last_run_started_at < now() - @interval)
              and not exists (select 1 from {DiscoveryDb.Schema}.runs r where r.data_source_id = d.data_source_id and r.status = '{Running}')
            order by d.run_requested_at nulls last, d.last_run_started_at nulls first
            limit @limit
            """, new { interval, limit });
        return rows.Select(r => new DataSourceRecord(r.OrganizationId, r.DataSourceId, JsonSerializer.Deserialize<DataSourceSettings>(r.Settings, Json)!)).ToList();
    }

    /// <summary>Takes the data source's run lock; null when another run holds it.</summary>
    public async Task<Guid?> TryStartRunAsync(DataSourceRecord source, CancellationToken cancellationToken)
    {
        var runId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync($"""
            insert into {DiscoveryDb.Schema}.runs (run_id, organization_id, data_source_id, status) values (@runId, @organizationId, @dataSourceId, '{Running}')
            on conflict (data_source_id) where status = '{Running}' do nothing
            """, new { runId, source.OrganizationId, source.DataSourceId }, transaction);
        if (inserted == 0)
        {
            return null;
        }

        await connection.ExecuteAsync(
            $"update {DiscoveryDb.Schema}.data_sources set run_requested_at = null, last_run_started_at = now() where data_source_id = @DataSourceId",
            new { source.DataSourceId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return runId;
    }

    public async Task<IReadOnlyDictionary<string, string>> DeniedFeaturesAsync(Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Feature, string Reason)>(
            $"select feature, reason from {DiscoveryDb.Schema}.denied_features where data_source_id = @dataSourceId", new { dataSourceId });
        return rows.ToDictionary(r => r.Feature, r => r.Reason, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<OwnerRule>> OwnerRulesAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await OwnerRuleStore.ListAsync(connection, organizationId, null);
    }

    /// <summary>Stores the inventory, marks what a covered listing missed as gone, and queues the run's events, in one transaction.</summary>
    public async Task<bool> CompleteRunAsync(RunOutcome outcome, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await FailIfRemovedAsync(connection, transaction, outcome))
        {
            await transaction.CommitAsync(cancellationToken);
            return false;
        }

        await StoreInventoryAsync(connection, transaction, outcome);
        await RecordDeniedFeaturesAsync(connection, transaction, outcome);
        var counts = await QueueRunEventsAsync(connection, transaction, outcome);
        await MarkCompletedAsync(connection, transaction, outcome, counts);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>A data source removed during its run: the run fails and stores nothing (its row locked against a concurrent removal).</summary>
    private static async Task<bool> FailIfRemovedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome)
    {
        var removed = await connection.ExecuteScalarAsync<bool>(
            $"select removed_at is not null from {DiscoveryDb.Schema}.data_sources where data_source_id = @DataSourceId for update", new { outcome.DataSource.DataSourceId }, transaction);
        if (removed)
        {
            await connection.ExecuteAsync(
                $"update {DiscoveryDb.Schema}.runs set status = '{Failed}', finished_at = now(), reason = 'data source removed' where run_id = @RunId", new { outcome.RunId }, transaction);
        }

        return removed;
    }

    /// <summary>Upserts every resource the run found in each account, then marks gone what an account's covered listing did not find.</summary>
    private static async Task StoreInventoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome)
    {
        await StoreAccountInventoryAsync(connection, transaction, outcome, outcome.AccountId, outcome.Groups, outcome.Covered);
        foreach (var member in outcome.Members)
        {
            await StoreAccountInventoryAsync(connection, transaction, outcome, member.AccountId, member.Groups, member.Covered);
        }

        if (outcome.KeptAccounts is { } kept)
        {
            await connection.ExecuteAsync($"""
                update {DiscoveryDb.Schema}.resources set gone_at = @CompletedAt
                where data_source_id = @DataSourceId and gone_at is null and account_id <> all(@kept)
                """, new { outcome.CompletedAt, outcome.DataSource.DataSourceId, kept = kept.ToArray() }, transaction);
        }
    }

    private static async Task StoreAccountInventoryAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome, string accountId,
        IReadOnlyList<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> groups, IReadOnlyList<string> covered)
    {
        var source = outcome.DataSource;
        var rows = groups.SelectMany(g => g.Resources).Select(r => new ResourceRow(
            r.Kind, r.ResourceId, r.Region, r.Name, r.State, r.CreatedAt, r.Tags, r.Attributes, r.Cpu, r.OwnerEmail, r.OwnerRule)).ToList();
        await connection.ExecuteAsync($"""
            insert into {DiscoveryDb.Schema}.resources (data_source_id, kind, resource_id, organization_id, account_id, region, name, state, created_at,
                tags, attributes, cpu, owner_email, owner_rule, first_seen_at, last_seen_at, last_run_id, gone_at)
            select @DataSourceId, r.kind, r.resource_id, @OrganizationId, @AccountId, r.region, r.name, r.state, r.created_at,
                coalesce(r.tags, jsonb_build_object()), coalesce(r.attributes, jsonb_build_object()), r.cpu, r.owner_email, r.owner_rule, @seen, @seen, @RunId, null
            from jsonb_to_recordset(@rows::jsonb) as r(kind text, resource_id text, region text, name text, state text, created_at timestamptz,
                tags jsonb, attributes jsonb, cpu jsonb, owner_email text, owner_rule text)
            on conflict (data_source_id, kind, resource_id) do update set
                account_id = excluded.account_id, region = excluded.region, name = excluded.name, state = excluded.state,
                created_at = excluded.created_at, tags = excluded.tags, attributes = excluded.attributes, cpu = excluded.cpu,
                owner_email = excluded.owner_email, owner_rule = excluded.owner_rule, last_seen_at = excluded.last_seen_at,
                last_run_id = excluded.last_run_id, gone_at = null
            """, new { source.DataSourceId, source.OrganizationId, AccountId = accountId, seen = outcome.CompletedAt, outcome.RunId, rows = JsonSerializer.Serialize(rows, RowJson) }, transaction);

        // Buckets are listed account-wide (covered as s3-bucket@global) but keep their own region. Each account's
        // listings cover only that account: a member account that refused the role this run loses nothing.
        await connection.ExecuteAsync($"""
            update {DiscoveryDb.Schema}.resources set gone_at = @CompletedAt
            where data_source_id = @DataSourceId and account_id = @accountId and gone_at is null and last_run_id <> @RunId
              and (kind || '@' || region = any(@covered) or kind || '@global' = any(@covered))
            """, new { outcome.CompletedAt, source.DataSourceId, accountId, outcome.RunId, covered = covered.ToArray() }, transaction);
    }

    /// <summary>The features the keys were refused, skipped by later runs until the keys rotate.</summary>
    private static async Task RecordDeniedFeaturesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome)
    {
        foreach (var (feature, reason) in outcome.Denied)
        {
            await connection.ExecuteAsync($"""
                insert into {DiscoveryDb.Schema}.denied_features (data_source_id, feature, reason) values (@DataSourceId, @feature, @reason)
                on conflict (data_source_id, feature) do nothing
                """, new { outcome.DataSource.DataSourceId, feature, reason }, transaction);
        }
    }

    /// <summary>
    /// Queues the run's events in the outbox: the resources in chunks per region and kind, the organization's accounts
    /// when listed, then <c>DiscoveryCompleted</c>. Returns the resources found per kind (0 for a covered kind with none).
    /// </summary>
    private async Task<Dictionary<string, int>> QueueRunEventsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome)
    {
        var source = outcome.DataSource;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        // The root account's chunks keep their key {RunId}:{Region}:{Kind}:{i}; a member account's name the account.
        await QueueChunksAsync(connection, transaction, outcome, outcome.AccountId, $"{outcome.RunId}", outcome.Groups, counts);
        foreach (var member in outcome.Members)
        {
            await QueueChunksAsync(connection, transaction, outcome, member.AccountId, $"{outcome.RunId}:{member.AccountId}", member.Groups, counts);
        }

        var allCovered = AllCovered(outcome);
        foreach (var covered in allCovered)
        {
            counts.TryAdd(covered[..covered.IndexOf('@', StringComparison.Ordinal)], 0);
        }

        if (outcome.MemberAccounts is { } members)
        {
            var key = "accounts:" + outcome.RunId;
            await outbox.AddAsync(connection, transaction, new OrganizationAccountsListed(
                source.OrganizationId, source.DataSourceId, key, outcome.RunId, members, outcome.CompletedAt), MessageId(key));
        }

        await outbox.AddAsync(connection, transaction, new DiscoveryCompleted(
            source.OrganizationId, source.DataSourceId, outcome.RunId.ToString(), outcome.RunId, outcome.AccountId, counts,
            allCovered, outcome.Skipped, outcome.StartedAt, outcome.CompletedAt), MessageId("completed:" + outcome.RunId));
        return counts;
    }

    /// <summary>One account's resources in chunks per region and kind, counted per kind into <paramref name="counts"/>.</summary>
    private async Task QueueChunksAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome, string accountId, string keyPrefix,
        IReadOnlyList<(string Region, string Kind, IReadOnlyList<DiscoveredResource> Resources)> groups, Dictionary<string, int> counts)
    {
        var source = outcome.DataSource;
        foreach (var (region, kind, resources) in groups)
        {
            counts[kind] = counts.GetValueOrDefault(kind) + resources.Count;
            var chunks = resources.Chunk(options.Value.ChunkSize).ToList();
            for (var i = 0; i < chunks.Count; i++)
            {
                var key = $"{keyPrefix}:{region}:{kind}:{i}";
                await outbox.AddAsync(connection, transaction, new ResourcesDiscovered(
                    source.OrganizationId, source.DataSourceId, key, outcome.RunId, accountId, region, kind, i, chunks.Count, chunks[i], outcome.CompletedAt),
                    MessageId(key));
            }
        }
    }

    /// <summary>The root account's listings as <c>kind@region</c>, then each member account's as <c>kind@region@accountId</c>.</summary>
    private static IReadOnlyList<string> AllCovered(RunOutcome outcome) =>
        [.. outcome.Covered, .. outcome.Members.SelectMany(m => m.Covered.Select(c => MemberAccountOutcome.Announced(c, m.AccountId)))];

    private static Task MarkCompletedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunOutcome outcome, Dictionary<string, int> counts) =>
        connection.ExecuteAsync($"""
            update {DiscoveryDb.Schema}.runs set status = '{Completed}', finished_at = @CompletedAt, account_id = @AccountId,
                counts = @counts::jsonb, covered = @covered::jsonb, skipped = @skipped::jsonb
            where run_id = @RunId
            """, new
        {
            outcome.CompletedAt,
            outcome.AccountId,
            outcome.RunId,
            counts = JsonSerializer.Serialize(counts, Json),
            covered = JsonSerializer.Serialize(AllCovered(outcome), Json),
            skipped = JsonSerializer.Serialize(outcome.Skipped, Json),
        }, transaction);

    public async Task FailRunAsync(DataSourceRecord source, Guid runId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            $"update {DiscoveryDb.Schema}.runs set status = '{Failed}', finished_at = now(), reason = @reason where run_id = @runId and status = '{Running}'",
            new { runId, reason }, transaction);
        if (updated > 0)
        {
            await outbox.AddAsync(connection, transaction,
                new DiscoveryFailed(source.OrganizationId, source.DataSourceId, runId.ToString(), runId, reason, DateTimeOffset.UtcNow),
                MessageId("failed:" + runId));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Fails runs whose process died mid-run, so the data source is scanned again.</summary>
    public async Task FailStaleRunsAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stale = await connection.QueryAsync<(Guid RunId, Guid OrganizationId, Guid DataSourceId)>(
            $"select run_id, organization_id, data_source_id from {DiscoveryDb.Schema}.runs where status = '{Running}' and started_at < now() - @staleAfter",
            new { staleAfter });
        foreach (var run in stale)
        {
            await FailRunAsync(new DataSourceRecord(run.OrganizationId, run.DataSourceId, null!), run.RunId,
                "The discovery run was interrupted (the process stopped); it will run again.", cancellationToken);
        }
    }

    /// <summary>A stable message id per fact, so a retried commit never publishes twice.</summary>
    internal static Guid MessageId(string key) => MessageIds.Sha256("discovery:" + key);

    private sealed record ResourceRow(
        string Kind,
        string ResourceId,
        string Region,
        string? Name,
        string? State,
        DateTimeOffset? CreatedAt,
        IReadOnlyDictionary<string, string> Tags,
        IReadOnlyDictionary<string, string> Attributes,
        IReadOnlyList<DailyCpu>? Cpu,
        string? OwnerEmail,
        string? OwnerRule);
}
