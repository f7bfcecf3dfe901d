using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Data;
using Npgsql;

namespace DigiUsher.Query.Resources;

/// <summary>Who owns a resource: the employee (email, and the stable id derived from it) and the rule that said so.</summary>
public sealed record ResourceOwner(string Email, Guid EmployeeId, string? Rule);

/// <summary>A resource as listed: discovered, or only seen in the costs (then kind is inferred from the id, if possible).</summary>
public sealed record ResourceItem(
    Guid DataSourceId,
    string ResourceId,
    string? Kind,
    string? Name,
    string? AccountId,
    string? Region,
    string? State,
    bool Discovered,
    bool Gone,
    ResourceOwner? Owner,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<CurrencyAmount> Cost,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSeenAt);

/// <summary>Filters of the resource list.</summary>
public sealed record ResourceFilter(
    Guid? DataSourceId,
    IReadOnlyList<string> Kinds,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> Owners,
    IReadOnlyList<(string Key, IReadOnlyList<string> Values)> Tags,
    bool? Public,
    bool? Idle,
    bool? Discovered,
    string? ResourceId = null);

/// <summary>The idle rule, as the findings options define it.</summary>
public sealed record IdleRule(double ThresholdPercent, int MinDays, DateOnly WindowStart);

public sealed class ResourceReader(ApiDataSource dataSource)
{
    /// <summary>Discovered resources (not gone) and resources that cost money in the period, sorted by cost.</summary>
    public async Task<IReadOnlyList<ResourceItem>> ListAsync(
        Guid organizationId, ResourceFilter filter, DateOnly from, DateOnly to, string metric, IdleRule idle, long offset, int limit,
        CancellationToken cancellationToken)
    {
        var sql = new SqlParameters();
        var org = sql.Add(organizationId);
        var ds = filter.DataSourceId is { } id ? sql.Add(id) : null;
        var where = new List<string> { "(x.gone = false or x.cost_key is not null)" };
        if (filter.Kinds.Count > 0)
        {
            where.Add($"x.kind = any({sql.Add(filter.Kinds.ToArray())})");
        }

        if (filter.Regions.Count > 0)
        {
            where.Add($"x.region = any({sql.Add(filter.Regions.ToArray())})");
        }

        if (filter.Owners.Count > 0)
        {
            var ids = filter.Owners.Select(v => Guid.TryParse(v, out var g) ? (Guid?)g : null).OfType<Guid>().ToArray();
            where.Add($"(lower(x.owner_email) = any({sql.Add(filter.Owners.Select(o => o.ToLowerInvariant()).ToArray())}) or x.employee_id = any({sql.Add(ids)}))");
        }

        foreach (var (key, values) in filter.Tags)
        {
            where.Add(values.Count == 0
                ? $"x.tags ? {sql.Add(key)}"
                : $"coalesce(x.tags->>{sql.Add(key)}, '') = any({sql.Add(values.ToArray())})");
        }

        if (filter.Public is { } isPublic)
        {
            where.Add($"""
                {(isPublic ? "" : "not ")}exists (select 1 from jsonb_each_text(x.attributes) a
                    where lower(a.key) = any({sql.Add(ResourceAttributes.Public.Select(p => p.ToLowerInvariant()).ToArray())})
                    and lower(a.value) in ('true', 'yes', '1', 'public'))
                """);
        }

        if (filter.Idle is { } isIdle)
        {
            where.Add($"""
                {(isIdle ? "" : "not ")}(x.kind = 'ec2-instance' and coalesce(x.state, '') = 'running'
                    and {QueryDb.Schema}.is_idle(x.cpu, {sql.Add(idle.ThresholdPercent)}, {sql.Add(idle.MinDays)}, {sql.Add(idle.WindowStart)}))
                """);
        }

        if (filter.Discovered is { } discovered)
        {
            where.Add(discovered ? "x.discovered" : "not x.discovered");
        }

        if (filter.ResourceId is { } resourceId)
        {
            where.Add($"x.resource_id = {sql.Add(resourceId)}");
        }

        var text = $"""
            with cost as (
                select c.data_source_id, c.resource_key, c.currency, sum(c.{metric}) as amount, min(c.region) as region, min(c.account_id) as account_id
                from {QueryDb.Schema}.daily_costs c
                where c.organization_id = {org} and c.day between {sql.Add(from)} and {sql.Add(to)} and c.resource_key <> ''
                    {(ds is null ? "" : $"and c.data_source_id = {ds}")}
                group by 1, 2, 3
            ), per_resource as (
                select data_source_id, resource_key,
                    jsonb_agg(jsonb_build_object('currency', currency, 'amount', amount) order by currency) as cost,
                    max(amount) as sort_amount, min(region) as region, min(account_id) as account_id
                from cost group by 1, 2
            ), x as (
                select coalesce(r.data_source_id, p.data_source_id) as data_source_id,
                    coalesce(r.resource_id, p.resource_key) as resource_id,
                    coalesce(r.kind, {QueryDb.Schema}.inferred_resource_kind(p.resource_key)) as kind,
                    r.name, coalesce(r.account_id, p.account_id) as account_id, coalesce(r.region, p.region) as region, r.state,
                    r.resource_id is not null as discovered, r.gone_at is not null as gone,
                    r.owner_email, md5(lower(r.owner_email))::uuid as employee_id, r.owner_rule,
                    coalesce(r.tags, jsonb_build_object()) as tags, coalesce(r.attributes, jsonb_build_object()) as attributes, r.cpu,
                    coalesce(p.cost, jsonb_build_array()) as cost, coalesce(p.sort_amount, 0) as sort_amount, p.resource_key as cost_key,
                    r.created_at, r.discovered_at
                from (select * from {QueryDb.Schema}.resources where organization_id = {org} {(ds is null ? "" : $"and data_source_id = {ds}")}) r
                full join per_resource p on p.data_source_id = r.data_source_id and p.resource_key = r.resource_id
            )
            select data_source_id, resource_id, kind, name, account_id, region, state, discovered, gone, owner_email, employee_id, owner_rule,
                tags::text, cost::text, created_at, discovered_at
            from x where {string.Join(" and ", where)}
            order by sort_amount desc, resource_id, data_source_id
            limit {limit} offset {offset}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = sql.CreateCommand(connection, text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<ResourceItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ResourceItem(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetBoolean(7),
                reader.GetBoolean(8),
                reader.IsDBNull(9) ? null : new ResourceOwner(reader.GetString(9), reader.GetGuid(10), reader.IsDBNull(11) ? null : reader.GetString(11)),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(12))!,
                JsonSerializer.Deserialize<List<CurrencyAmount>>(reader.GetString(13), JsonDefaults.Options)!,
                reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
                reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15)));
        }

        return items;
    }

    /// <summary>The attributes and CPU history of one discovered resource (null when it was never discovered).</summary>
    public async Task<(IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<DailyCpu>? Cpu)?> DetailsAsync(
        Guid organizationId, Guid dataSourceId, string resourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select attributes::text, cpu::text from {QueryDb.Schema}.resources where organization_id = $1 and data_source_id = $2 and resource_id = $3",
            connection);
        command.Parameters.Add(new() { Value = organizationId });
        command.Parameters.Add(new() { Value = dataSourceId });
        command.Parameters.Add(new() { Value = resourceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var attributes = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(0))!;
        var cpu = reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<List<DailyCpu>>(reader.GetString(1), JsonDefaults.Options);
        return (attributes, cpu);
    }

    /// <summary>A resource's cost per day and currency.</summary>
    public async Task<IReadOnlyList<DailyAmount>> DailyCostAsync(
        Guid organizationId, Guid dataSourceId, string resourceId, DateOnly from, DateOnly to, string metric, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            select day, currency, sum({metric}) from {QueryDb.Schema}.daily_costs
            where organization_id = $1 and data_source_id = $2 and resource_key = $3 and day between $4 and $5
            group by 1, 2 order by 1, 2
            """, connection);
        command.Parameters.Add(new() { Value = organizationId });
        command.Parameters.Add(new() { Value = dataSourceId });
        command.Parameters.Add(new() { Value = resourceId });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var days = new List<DailyAmount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(new DailyAmount(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetDecimal(2)));
        }

        return days;
    }

    /// <summary>Per data source: how many discovered resources have costs, how many do not, and what costs belong to no discovered resource.</summary>
    public async Task<IReadOnlyList<CoverageRow>> CoverageAsync(Guid organizationId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            with cost as (
                select data_source_id, resource_key, currency, sum(unblended) as amount
                from {QueryDb.Schema}.daily_costs
                where organization_id = $1 and day between $2 and $3 and resource_key <> '' and ($4::uuid is null or data_source_id = $4)
                group by 1, 2, 3
            ), discovered as (
                select data_source_id, resource_id from {QueryDb.Schema}.resources
                where organization_id = $1 and gone_at is null and ($4::uuid is null or data_source_id = $4)
            )
            select coalesce(d.data_source_id, c.data_source_id),
                count(distinct d.resource_id) filter (where c.resource_key is not null),
                count(distinct d.resource_id) filter (where c.resource_key is null),
                count(distinct c.resource_key) filter (where d.resource_id is null),
                c.currency,
                sum(c.amount) filter (where d.resource_id is null),
                sum(c.amount) filter (where d.resource_id is not null)
            from discovered d full join cost c on c.data_source_id = d.data_source_id and c.resource_key = d.resource_id
            group by 1, 5 order by 1, 5
            """, connection);
        command.Parameters.Add(new() { Value = organizationId });
        command.Parameters.Add(new() { Value = from });
        command.Parameters.Add(new() { Value = to });
        command.Parameters.Add(new() { Value = (object?)dataSourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CoverageRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new CoverageRow(
                reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? 0 : reader.GetDecimal(5),
                reader.IsDBNull(6) ? 0 : reader.GetDecimal(6)));
        }

        return rows;
    }
}

public sealed record DailyAmount(DateOnly Day, string Currency, decimal Amount);

/// <summary>
/// Coverage of one data source in one currency (a null currency counts the discovered resources without any cost).
/// </summary>
public sealed record CoverageRow(
    Guid DataSourceId,
    long DiscoveredWithCost,
    long DiscoveredWithoutCost,
    long UndiscoveredWithCost,
    string? Currency,
    decimal UndiscoveredCost,
    decimal DiscoveredCost);
