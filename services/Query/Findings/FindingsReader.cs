using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Data;
using DigiUsher.Query.Resources;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query.Findings;

/// <summary>The kinds of waste DigiUsher points at.</summary>
public static class FindingTypes
{
    public const string UnattachedVolume = "unattached-volume";
    public const string UnassociatedElasticIp = "unassociated-elastic-ip";
    public const string StoppedInstanceWithStorage = "stopped-instance-with-storage";
    public const string IdleInstance = "idle-instance";
    public const string OrphanedSnapshot = "snapshot-of-deleted-volume";
    public const string PublicBucket = "public-bucket";
    public const string UnusedAccessKey = "unused-access-key";
    public const string InactiveConsoleUser = "inactive-console-user";

    public static readonly string[] All =
        [UnattachedVolume, UnassociatedElasticIp, StoppedInstanceWithStorage, IdleInstance, OrphanedSnapshot, PublicBucket, UnusedAccessKey, InactiveConsoleUser];
}

/// <summary>
/// One finding: the resource, why it is waste or risk, its age and its monthly cost where known
/// (<c>monthlyCost</c> and <c>currency</c> when the cost is in one currency; always per currency in <c>monthlyCostByCurrency</c>),
/// and the account's display name beside its id where one is known.
/// </summary>
public sealed record Finding(
    string Type,
    Guid DataSourceId,
    string ResourceId,
    string Kind,
    string? Name,
    string AccountId,
    string? AccountName,
    string Region,
    ResourceOwner? Owner,
    int? AgeDays,
    decimal? MonthlyCost,
    string? Currency,
    IReadOnlyList<CurrencyAmount> MonthlyCostByCurrency,
    string Reason,
    IReadOnlyList<string> RelatedResourceIds);

/// <summary>Loads the organization's discovered resources, applies <see cref="FindingRules"/> and prices each finding.</summary>
public sealed class FindingsReader(ApiDataSource dataSource, IOptions<FindingsOptions> options, TimeProvider clock)
{
    public async Task<IReadOnlyList<Finding>> FindAsync(Guid organizationId, Guid? dataSourceId, IReadOnlyCollection<string> types, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var resources = await LoadAsync(organizationId, dataSourceId, cancellationToken);
        var candidates = new FindingRules(options.Value, now).Find(resources).Where(c => types.Count == 0 || types.Contains(c.Type)).ToList();
        var costs = await MonthlyCostAsync(organizationId,
            candidates.SelectMany(c => c.Related.Append(c.Resource.ResourceId)).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
        return candidates
            .Select(c => ToFinding(c, costs, now))
            .OrderByDescending(f => f.MonthlyCostByCurrency.Count == 0 ? 0 : f.MonthlyCostByCurrency.Max(a => a.Amount))
            .ThenBy(f => f.Type, StringComparer.Ordinal)
            .ThenBy(f => f.ResourceId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The finding with the monthly cost of its resource and the related ones, per currency.</summary>
    private static Finding ToFinding(FindingCandidate c, ILookup<(Guid, string), CurrencyAmount> costs, DateTimeOffset now)
    {
        var r = c.Resource;
        var cost = c.Related.Append(r.ResourceId)
            .SelectMany(id => costs[(r.DataSourceId, id)])
            .GroupBy(a => a.Currency, StringComparer.Ordinal)
            .Select(g => new CurrencyAmount(g.Key, g.Sum(a => a.Amount)))
            .OrderBy(a => a.Currency, StringComparer.Ordinal).ToList();
        return new Finding(c.Type, r.DataSourceId, r.ResourceId, r.Kind, r.Name, r.AccountId, r.AccountName, r.Region, r.Owner,
            c.Since is { } since ? Math.Max(0, (int)(now - since).TotalDays) : null,
            cost.Count == 1 ? cost[0].Amount : null, cost.Count == 1 ? cost[0].Currency : null, cost, c.Reason, c.Related);
    }

    private async Task<IReadOnlyList<ResourceFacts>> LoadAsync(Guid organizationId, Guid? dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResourceRow>(new CommandDefinition(
            $"""
            select r.data_source_id as datasourceid, r.resource_id as resourceid, r.kind, r.name, r.account_id as accountid,
                {AccountDisplayName.Of("@organizationId", "r.account_id", "r.attributes")} as accountname, r.region, r.state,
                r.created_at as createdat, r.first_seen_at as firstseenat, r.attributes::text as attributes, r.owner_email as owneremail,
                md5(lower(r.owner_email))::uuid as employeeid, r.owner_rule as ownerrule, r.cpu::text as cpu
            from {QueryDb.Schema}.resources r
            where r.organization_id = @organizationId and gone_at is null and (@dataSourceId::uuid is null or data_source_id = @dataSourceId)
            """,
            new { organizationId, dataSourceId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToFacts())];
    }

    /// <summary>
    /// Unblended cost of the last 30 days with data of each data source, per discovered resource (keyed by the data
    /// source that discovered it: a linked account's resources are priced by its root's rows) and currency.
    /// </summary>
    private async Task<ILookup<(Guid, string), CurrencyAmount>> MonthlyCostAsync(Guid organizationId, string[] resourceIds, CancellationToken cancellationToken)
    {
        if (resourceIds.Length == 0)
        {
            return Array.Empty<ResourceCost>().ToLookup(c => (c.DataSourceId, c.ResourceKey), c => new CurrencyAmount(c.Currency, c.Amount));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResourceCost>(new CommandDefinition(
            $"""
            with latest as (
                select data_source_id, max(day) as last_day from {QueryDb.Schema}.daily_dimension_costs where organization_id = @organizationId group by 1)
            select r.data_source_id as datasourceid, c.resource_key as resourcekey, c.currency, sum(c.unblended) as amount
            from {QueryDb.Schema}.daily_costs c join latest l on l.data_source_id = c.data_source_id
            join {CostScope.Resources} r on r.cost_data_source_id = c.data_source_id and r.resource_id = c.resource_key
            where c.organization_id = @organizationId and c.resource_key = any(@resourceIds) and c.day > l.last_day - 30
            group by 1, 2, 3
            """,
            new { organizationId, resourceIds },
            cancellationToken: cancellationToken));
        return rows.ToLookup(c => (c.DataSourceId, c.ResourceKey), c => new CurrencyAmount(c.Currency, c.Amount));
    }

    /// <summary>A <c>resources</c> row as the rules read it (jsonb as text).</summary>
    private sealed record ResourceRow(
        Guid DataSourceId, string ResourceId, string Kind, string? Name, string AccountId, string? AccountName, string Region, string? State,
        DateTime? CreatedAt, DateTime FirstSeenAt, string Attributes, string? OwnerEmail, Guid? EmployeeId, string? OwnerRule, string? Cpu)
    {
        public ResourceFacts ToFacts() => new(
            DataSourceId, ResourceId, Kind, Name, AccountId, Region, State, DbTime.Utc(CreatedAt), DbTime.Utc(FirstSeenAt),
            JsonSerializer.Deserialize<Dictionary<string, string>>(Attributes)!,
            OwnerEmail is null ? null : new ResourceOwner(OwnerEmail, EmployeeId!.Value, OwnerRule),
            Cpu is null ? [] : JsonSerializer.Deserialize<List<DailyCpu>>(Cpu, JsonDefaults.Options) ?? [])
        {
            AccountName = AccountName,
        };
    }

    private sealed record ResourceCost(Guid DataSourceId, string ResourceKey, string Currency, decimal Amount);
}
