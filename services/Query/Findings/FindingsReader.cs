using System.Globalization;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.Query.Costs;
using DigiUsher.Query.Data;
using DigiUsher.Query.Resources;
using Microsoft.Extensions.Options;
using Npgsql;

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
/// (<c>monthlyCost</c> and <c>currency</c> when the cost is in one currency; always per currency in <c>monthlyCostByCurrency</c>).
/// </summary>
public sealed record Finding(
    string Type,
    Guid DataSourceId,
    string ResourceId,
    string Kind,
    string? Name,
    string AccountId,
    string Region,
    ResourceOwner? Owner,
    int? AgeDays,
    decimal? MonthlyCost,
    string? Currency,
    IReadOnlyList<CurrencyAmount> MonthlyCostByCurrency,
    string Reason,
    IReadOnlyList<string> RelatedResourceIds);

public sealed class FindingsReader(ApiDataSource dataSource, IOptions<FindingsOptions> options, TimeProvider clock)
{
    private sealed record Row(
        Guid DataSourceId, string ResourceId, string Kind, string? Name, string AccountId, string Region, string? State,
        DateTimeOffset? CreatedAt, DateTimeOffset FirstSeenAt, IReadOnlyDictionary<string, string> Attributes,
        ResourceOwner? Owner, IReadOnlyList<DailyCpu> Cpu);

    public async Task<IReadOnlyList<Finding>> FindAsync(Guid organizationId, Guid? dataSourceId, IReadOnlyCollection<string> types, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var rows = await LoadAsync(organizationId, dataSourceId, cancellationToken);
        var volumes = rows.Where(r => r.Kind == ResourceKinds.Volume).ToList();
        var volumeIds = volumes.Select(v => (v.DataSourceId, v.ResourceId)).ToHashSet();
        var candidates = new List<(string Type, Row Row, string Reason, DateTimeOffset? Since, IReadOnlyList<string> Related)>();

        foreach (var r in rows)
        {
            switch (r.Kind)
            {
                case ResourceKinds.Volume when Is(r.State, "available"):
                    candidates.Add((FindingTypes.UnattachedVolume, r,
                        $"EBS volume{Size(r)} is not attached to any instance (state available) and is billed for its provisioned storage.",
                        r.CreatedAt ?? r.FirstSeenAt, []));
                    break;
                case ResourceKinds.ElasticIp when ResourceAttributes.Get(r.Attributes, ResourceAttributes.Association) is null:
                    candidates.Add((FindingTypes.UnassociatedElasticIp, r,
                        "Elastic IP is allocated but not associated with a running instance or network interface; AWS bills idle public IPv4 addresses.",
                        r.CreatedAt ?? r.FirstSeenAt, []));
                    break;
                case ResourceKinds.Instance when Is(r.State, "stopped"):
                    var attached = volumes.Where(v => v.DataSourceId == r.DataSourceId
                        && (ResourceAttributes.Get(v.Attributes, ResourceAttributes.AttachedInstance) ?? string.Empty).Contains(r.ResourceId, StringComparison.Ordinal))
                        .Select(v => v.ResourceId).Order(StringComparer.Ordinal).ToList();
                    if (attached.Count > 0)
                    {
                        candidates.Add((FindingTypes.StoppedInstanceWithStorage, r,
                            $"Instance is stopped but its {attached.Count} attached EBS volume(s) ({string.Join(", ", attached)}) are still billed.",
                            r.CreatedAt, attached));
                    }

                    break;
                case ResourceKinds.Instance when Is(r.State, "running") && IsIdle(r.Cpu, o, today, out var days, out var peak):
                    candidates.Add((FindingTypes.IdleInstance, r,
                        string.Create(CultureInfo.InvariantCulture,
                            $"Daily average CPU stayed below {o.IdleCpuPercent}% on all {days} days with data in the last {o.IdleWindowDays} days (highest daily average {peak:0.##}%)."),
                        r.CreatedAt, []));
                    break;
                case ResourceKinds.Snapshot when ResourceAttributes.Get(r.Attributes, ResourceAttributes.SourceVolume) is { } volumeId
                    && !volumeIds.Contains((r.DataSourceId, volumeId)):
                    candidates.Add((FindingTypes.OrphanedSnapshot, r,
                        $"Snapshot of volume {volumeId}, which no longer exists; the snapshot is still billed for its storage.",
                        r.CreatedAt ?? r.FirstSeenAt, [volumeId]));
                    break;
                case ResourceKinds.Bucket when ResourceAttributes.IsTrue(ResourceAttributes.Get(r.Attributes, ResourceAttributes.Public)):
                    candidates.Add((FindingTypes.PublicBucket, r, "Bucket is publicly accessible (bucket policy or ACL grants public access).", r.CreatedAt, []));
                    break;
                case ResourceKinds.AccessKey when !Is(r.State, "inactive") && !Is(ResourceAttributes.Get(r.Attributes, "status"), "inactive") && Unused(r, ResourceAttributes.LastUsed, o.UnusedAccessKeyDays, now) is { } keyReason:
                    candidates.Add((FindingTypes.UnusedAccessKey, r, $"Active access key {keyReason}.", r.CreatedAt, []));
                    break;
                case ResourceKinds.IamUser when HasConsoleAccess(r) && Unused(r, ResourceAttributes.PasswordLastUsed, o.InactiveUserDays, now) is { } userReason:
                    candidates.Add((FindingTypes.InactiveConsoleUser, r, $"Console user {userReason.Replace("used", "signed in", StringComparison.Ordinal)}.", r.CreatedAt, []));
                    break;
            }
        }

        candidates = candidates.Where(c => types.Count == 0 || types.Contains(c.Type)).ToList();
        var costs = await MonthlyCostAsync(organizationId,
            candidates.SelectMany(c => c.Related.Append(c.Row.ResourceId)).Distinct(StringComparer.Ordinal).ToArray(), cancellationToken);
        return candidates
            .Select(c =>
            {
                var cost = c.Related.Append(c.Row.ResourceId)
                    .SelectMany(id => costs.GetValueOrDefault((c.Row.DataSourceId, id)) ?? [])
                    .GroupBy(a => a.Currency, StringComparer.Ordinal)
                    .Select(g => new CurrencyAmount(g.Key, g.Sum(a => a.Amount)))
                    .OrderBy(a => a.Currency, StringComparer.Ordinal).ToList();
                return new Finding(c.Type, c.Row.DataSourceId, c.Row.ResourceId, c.Row.Kind, c.Row.Name, c.Row.AccountId, c.Row.Region,
                    c.Row.Owner, c.Since is { } since ? Math.Max(0, (int)(now - since).TotalDays) : null,
                    cost.Count == 1 ? cost[0].Amount : null, cost.Count == 1 ? cost[0].Currency : null, cost, c.Reason, c.Related);
            })
            .OrderByDescending(f => f.MonthlyCostByCurrency.Count == 0 ? 0 : f.MonthlyCostByCurrency.Max(a => a.Amount))
            .ThenBy(f => f.Type, StringComparer.Ordinal)
            .ThenBy(f => f.ResourceId, StringComparer.Ordinal)
            .ToList();
    }

    private static bool Is(string? state, string expected) => string.Equals(state, expected, StringComparison.OrdinalIgnoreCase);

    private static string Size(Row r) => ResourceAttributes.Get(r.Attributes, ResourceAttributes.Size) is { } size ? $" ({size} GiB)" : string.Empty;

    private static bool HasConsoleAccess(Row r)
    {
        var flag = ResourceAttributes.Get(r.Attributes, ResourceAttributes.ConsoleAccess);
        return flag is null ? ResourceAttributes.Get(r.Attributes, ResourceAttributes.PasswordLastUsed) is not null : ResourceAttributes.IsTrue(flag);
    }

    /// <summary>Why a credential counts as unused (last use, or never used and older than the threshold), or null.</summary>
    private static string? Unused(Row r, string[] lastUsedKeys, int days, DateTimeOffset now)
    {
        if (string.Equals(ResourceAttributes.Get(r.Attributes, lastUsedKeys), "unknown", StringComparison.OrdinalIgnoreCase))
        {
            return null; // discovery could not read the last use (access denied): no claim either way
        }

        var lastUsed = ResourceAttributes.Time(r.Attributes, lastUsedKeys);
        if (lastUsed is { } at)
        {
            var idleDays = (int)(now - at).TotalDays;
            return idleDays >= days ? $"has not been used for {idleDays} days (last used {at:yyyy-MM-dd})" : null;
        }

        var since = r.CreatedAt ?? r.FirstSeenAt;
        var age = (int)(now - since).TotalDays;
        return age >= days ? $"has never been used since it was created {age} days ago" : null;
    }

    private static bool IsIdle(IReadOnlyList<DailyCpu> cpu, FindingsOptions o, DateOnly today, out int days, out double peak)
    {
        var window = cpu.Where(c => c.Day >= today.AddDays(-o.IdleWindowDays)).ToList();
        days = window.Count;
        peak = window.Count == 0 ? 0 : window.Max(c => c.Average);
        return days >= o.IdleMinDays && window.All(c => c.Average < o.IdleCpuPercent);
    }

    private async Task<List<Row>> LoadAsync(Guid organizationId, Guid? dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            select data_source_id, resource_id, kind, name, account_id, region, state, created_at, first_seen_at, attributes::text,
                owner_email, md5(lower(owner_email))::uuid, owner_rule, cpu::text
            from {QueryDb.Schema}.resources
            where organization_id = $1 and gone_at is null and ($2::uuid is null or data_source_id = $2)
            """, connection);
        command.Parameters.Add(new() { Value = organizationId });
        command.Parameters.Add(new() { Value = (object?)dataSourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(9))!,
                reader.IsDBNull(10) ? null : new ResourceOwner(reader.GetString(10), reader.GetGuid(11), reader.IsDBNull(12) ? null : reader.GetString(12)),
                reader.IsDBNull(13) ? [] : JsonSerializer.Deserialize<List<DailyCpu>>(reader.GetString(13), JsonDefaults.Options) ?? []));
        }

        return rows;
    }

    /// <summary>Unblended cost of the last 30 days with data of each data source, per resource and currency.</summary>
    private async Task<Dictionary<(Guid, string), List<CurrencyAmount>>> MonthlyCostAsync(Guid organizationId, string[] resourceIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(Guid, string), List<CurrencyAmount>>();
        if (resourceIds.Length == 0)
        {
            return result;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            with latest as (
                select data_source_id, max(day) as last_day from {QueryDb.Schema}.daily_dimension_costs where organization_id = $1 group by 1)
            select c.data_source_id, c.resource_key, c.currency, sum(c.unblended)
            from {QueryDb.Schema}.daily_costs c join latest l on l.data_source_id = c.data_source_id
            where c.organization_id = $1 and c.resource_key = any($2) and c.day > l.last_day - 30
            group by 1, 2, 3
            """, connection);
        command.Parameters.Add(new() { Value = organizationId });
        command.Parameters.Add(new() { Value = resourceIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetGuid(0), reader.GetString(1));
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = [];
            }

            list.Add(new CurrencyAmount(reader.GetString(2), reader.GetDecimal(3)));
        }

        return result;
    }
}
