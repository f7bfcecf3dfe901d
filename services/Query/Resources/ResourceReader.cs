using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Data;
using Npgsql;

namespace DigiUsher.Query.Resources;

/// <summary>Who owns a resource: the employee (email, and the stable id derived from it) and the rule that said so.</summary>
public sealed record ResourceOwner(string Email, Guid EmployeeId, string? Rule);

/// <summary>
/// A resource as listed: discovered, or only seen in the costs (then kind is inferred from the id, if possible).
/// <c>AccountName</c> is the account's display name (AWS Organizations, else the CUR's), else the name discovery
/// saw for a member account, else null.
/// </summary>
public sealed record ResourceItem(
    Guid DataSourceId,
    string ResourceId,
    string? Kind,
    string? Name,
    string? AccountId,
    string? AccountName,
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

public sealed class ResourceReader(ApiDataSource dataSource)
{
    /// <summary>Discovered resources (not gone) and resources that cost money in the period, sorted by cost.</summary>
    public async Task<IReadOnlyList<ResourceItem>> ListAsync(
        Guid organizationId, ResourceFilter filter, DateOnly from, DateOnly to, string metric, IdleRule idle, long offset, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sql = new SqlParameters();
        var org = sql.Add(organizationId);
        var ds = filter.DataSourceId is { } id ? sql.Add(id) : null;
        var where = Conditions(filter, sql);
        if (filter.Idle is { } isIdle)
        {
            var (dataSources, resources) = await IdleInstancesAsync(connection, organizationId, filter.DataSourceId, idle, cancellationToken);
            where.Add($"{(isIdle ? "" : "not ")}(x.data_source_id, x.resource_id) in (select * from unnest({sql.Add(dataSources)}::uuid[], {sql.Add(resources)}::text[]))");
        }

        var text = $"""
            with cost as (
                select c.data_source_id, c.resource_key, c.currency, sum(c.{metric}) as amount, min(c.region) as region, min(c.account_id) as account_id
                from {QueryDb.Schema}.daily_costs c
                where c.organization_id = {org} and c.day between {sql.Add(from)} and {sql.Add(to)} and c.resource_key <> ''
                    {(ds is null ? "" : "and " + CostScope.Condition("c", ds))}
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
                    coalesce(r.tags, jsonb_build_object()) as tags, coalesce(r.attributes, jsonb_build_object()) as attributes,
                    coalesce(p.cost, jsonb_build_array()) as cost, coalesce(p.sort_amount, 0) as sort_amount, p.resource_key as cost_key,
                    r.created_at, r.discovered_at
                from (select * from {CostScope.Resources} o where o.organization_id = {org} {(ds is null ? "" : "and " + CostScope.ResourceCondition("o", ds))}) r
                full join per_resource p on p.data_source_id = r.cost_data_source_id and p.resource_key = r.resource_id
            )
            select data_source_id as datasourceid, resource_id as resourceid, kind, name, account_id as accountid,
                {AccountDisplayName.Of(org, "x.account_id", "x.attributes")} as accountname, region, state, discovered, gone,
                owner_email as owneremail, employee_id as employeeid, owner_rule as ownerrule, tags::text as tags, cost::text as cost,
                created_at as createdat, discovered_at as lastseenat
            from x where {string.Join(" and ", where)}
            order by sort_amount desc, resource_id, data_source_id
            limit {limit} offset {offset}
            """;
        await using var command = sql.CreateCommand(connection, text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parse = reader.GetRowParser<ResourceListRow>();
        var items = new List<ResourceItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(parse(reader).ToItem());
        }

        return items;
    }

    /// <summary>The attributes and CPU history of one discovered resource (null when it was never discovered).</summary>
    public async Task<(IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<DailyCpu>? Cpu)?> DetailsAsync(
        Guid organizationId, Guid dataSourceId, string resourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DetailsRow>(new CommandDefinition(
            $"""
            select attributes::text as attributes, cpu::text as cpu from {QueryDb.Schema}.resources
            where organization_id = @organizationId and data_source_id = @dataSourceId and resource_id = @resourceId
            """,
            new { organizationId, dataSourceId, resourceId },
            cancellationToken: cancellationToken));
        return row is null
            ? null
            : (JsonSerializer.Deserialize<Dictionary<string, string>>(row.Attributes)!, row.Cpu is null ? null : JsonSerializer.Deserialize<List<DailyCpu>>(row.Cpu, JsonDefaults.Options));
    }

    /// <summary>A resource's cost per day and currency.</summary>
    public async Task<IReadOnlyList<DailyAmount>> DailyCostAsync(
        Guid organizationId, Guid dataSourceId, string resourceId, DateOnly from, DateOnly to, string metric, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<DailyAmount>(new CommandDefinition(
            $"""
            select day, currency, sum({metric}) as amount from {QueryDb.Schema}.daily_costs
            where organization_id = @organizationId and {CostScope.Condition(string.Empty, "@dataSourceId")} and resource_key = @resourceId and day between @from and @to
            group by 1, 2 order by 1, 2
            """,
            new { organizationId, dataSourceId, resourceId, from, to },
            cancellationToken: cancellationToken))];
    }

    /// <summary>Per data source: how many discovered resources have costs, how many do not, and what costs belong to no discovered resource.</summary>
    public async Task<IReadOnlyList<CoverageRow>> CoverageAsync(Guid organizationId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<CoverageRow>(new CommandDefinition(
            $"""
            with cost as (
                select data_source_id, resource_key, currency, sum(unblended) as amount
                from {QueryDb.Schema}.daily_costs
                where organization_id = @organizationId and day between @from and @to and resource_key <> ''
                    and (@dataSourceId::uuid is null or {CostScope.Condition(string.Empty, "@dataSourceId")})
                group by 1, 2, 3
            ), discovered as (
                select o.data_source_id, o.cost_data_source_id, o.resource_id from {CostScope.Resources} o
                where o.organization_id = @organizationId and o.gone_at is null and (@dataSourceId::uuid is null or {CostScope.ResourceCondition("o", "@dataSourceId")})
            )
            select coalesce(d.data_source_id, c.data_source_id) as datasourceid,
                count(distinct d.resource_id) filter (where c.resource_key is not null) as discoveredwithcost,
                count(distinct d.resource_id) filter (where c.resource_key is null) as discoveredwithoutcost,
                count(distinct c.resource_key) filter (where d.resource_id is null) as undiscoveredwithcost,
                c.currency,
                coalesce(sum(c.amount) filter (where d.resource_id is null), 0) as undiscoveredcost,
                coalesce(sum(c.amount) filter (where d.resource_id is not null), 0) as discoveredcost
            from discovered d full join cost c on c.data_source_id = d.cost_data_source_id and c.resource_key = d.resource_id
            group by 1, 5 order by 1, 5
            """,
            new { organizationId, from, to, dataSourceId },
            cancellationToken: cancellationToken))];
    }

    /// <summary>The conditions of <paramref name="filter"/> on the list's rows (<c>x</c>), except idle.</summary>
    private static List<string> Conditions(ResourceFilter filter, SqlParameters sql)
    {
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
                    and lower(a.value) = any({sql.Add(ResourceAttributes.TrueValues.ToArray())}))
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

        return where;
    }

    /// <summary>The running instances (gone ones too, as the list shows them) that <paramref name="idle"/> calls idle.</summary>
    private static async Task<(Guid[] DataSources, string[] Resources)> IdleInstancesAsync(
        NpgsqlConnection connection, Guid organizationId, Guid? dataSourceId, IdleRule idle, CancellationToken cancellationToken)
    {
        var running = await connection.QueryAsync<InstanceCpuRow>(new CommandDefinition(
            $"""
            select o.data_source_id as datasourceid, o.resource_id as resourceid, o.cpu::text as cpu from {CostScope.Resources} o
            where o.organization_id = @organizationId and o.kind = @instance and coalesce(o.state, '') = 'running'
              and (@dataSourceId::uuid is null or {CostScope.ResourceCondition("o", "@dataSourceId")})
            """,
            new { organizationId, dataSourceId, instance = ResourceKinds.Instance },
            cancellationToken: cancellationToken));
        var idleOnes = running.Where(r => idle.Judge(r.DailyCpu()).IsIdle).ToList();
        return ([.. idleOnes.Select(r => r.DataSourceId)], [.. idleOnes.Select(r => r.ResourceId)]);
    }

    /// <summary>A row of the resource list (jsonb as text).</summary>
    private sealed record ResourceListRow(
        Guid DataSourceId, string ResourceId, string? Kind, string? Name, string? AccountId, string? AccountName, string? Region, string? State, bool Discovered,
        bool Gone, string? OwnerEmail, Guid? EmployeeId, string? OwnerRule, string Tags, string Cost, DateTime? CreatedAt, DateTime? LastSeenAt)
    {
        public ResourceItem ToItem() => new(
            DataSourceId, ResourceId, Kind, Name, AccountId, AccountName, Region, State, Discovered, Gone,
            OwnerEmail is null ? null : new ResourceOwner(OwnerEmail, EmployeeId!.Value, OwnerRule),
            JsonSerializer.Deserialize<Dictionary<string, string>>(Tags)!,
            JsonSerializer.Deserialize<List<CurrencyAmount>>(Cost, JsonDefaults.Options)!,
            DbTime.Utc(CreatedAt), DbTime.Utc(LastSeenAt));
    }

    private sealed record DetailsRow(string Attributes, string? Cpu);

    private sealed record InstanceCpuRow(Guid DataSourceId, string ResourceId, string? Cpu)
    {
        /// <summary>The CPU history; anything but a JSON array of days counts as none (as discovery writes it, an array or null).</summary>
        public IReadOnlyList<DailyCpu> DailyCpu() =>
            Cpu is { } json && json.TrimStart().StartsWith('[') ? JsonSerializer.Deserialize<List<DailyCpu>>(json, JsonDefaults.Options) ?? [] : [];
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
