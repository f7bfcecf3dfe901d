using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Data;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace DigiUsher.Query.Imports;

/// <summary>What happened to an import's rollup.</summary>
public enum CostLoadOutcome
{
    /// <summary>Loaded and now current.</summary>
    Loaded,

    /// <summary>This import (or a newer one) is already loaded: nothing changed.</summary>
    AlreadyCurrent,

    /// <summary>The sums pulled differ from the event's totals: nothing changed.</summary>
    Mismatch,
}

public sealed record CostLoadResult(CostLoadOutcome Outcome, long Lines, string? Detail);

/// <summary>
/// Replaces the costs of one (data source, billing period) with an import's rollups in one transaction:
/// the daily rollup, its two pre-aggregates, the hourly rollup of the recent days and the names the CUR
/// gives. Readers see the previous month or the new one, never a mix and never a gap (MVCC keeps the old
/// rows visible until commit). A concurrent or older import is serialized by an advisory lock and
/// dropped when a newer one is already loaded.
/// </summary>
public sealed class CostPeriodStore(NpgsqlDataSource dataSource, IOptions<CostsOptions> options, TimeProvider clock)
{
    /// <summary>Names remembered per load: a month names tens of accounts and services; a hostile file cannot make this grow.</summary>
    private const int MaxNames = 10_000;

    private static readonly string[] CostTables = ["daily_costs", "daily_dimension_costs", "daily_label_costs", "hourly_costs"];

    public async Task<bool> IsCurrentOrNewerLoadedAsync(Guid dataSourceId, DateOnly period, DateTimeOffset importedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"""
            select exists (select 1 from {QueryDb.Schema}.cost_periods
                where data_source_id = @dataSourceId and billing_period = @period and imported_at >= @importedAt)
            """,
            new { dataSourceId, period, importedAt });
    }

    /// <summary>The first day whose hours the read model keeps (UTC).</summary>
    public static DateOnly HourlyHorizon(DateOnly today, CostsOptions options) => today.AddDays(1 - options.HourlyDays);

    public async Task<CostLoadResult> ReplaceAsync(CostsImported message, DateOnly period, IRollupSource source, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await LockAndCheckLoadedAsync(connection, transaction, message, period))
        {
            return new CostLoadResult(CostLoadOutcome.AlreadyCurrent, 0, null);
        }

        await connection.ExecuteAsync(
            string.Join(";\n", CostTables.Select(t => $"delete from {QueryDb.Schema}.{t} where data_source_id = @DataSourceId and billing_period = @period")),
            new { message.DataSourceId, period }, transaction, commandTimeout: 600);

        var hourlyFrom = Max(period, HourlyHorizon(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), options.Value));
        var load = new PeriodLoad(period, hourlyFrom);
        var mismatch = await CopyDailyAsync(connection, message, period, load, source, cancellationToken)
            ?? (hourlyFrom < period.AddMonths(1) ? await CopyHourlyAsync(connection, message, period, load, hourlyFrom, source, cancellationToken) : null);
        if (mismatch is not null)
        {
            return new CostLoadResult(CostLoadOutcome.Mismatch, load.Lines, mismatch);
        }

        await AggregateAndSwapInAsync(connection, transaction, message, period, load);
        await transaction.CommitAsync(cancellationToken);
        return new CostLoadResult(CostLoadOutcome.Loaded, load.Lines, null);
    }

    /// <summary>Serializes loads of the period (until the transaction ends); whether this import or a newer one is already loaded.</summary>
    private static async Task<bool> LockAndCheckLoadedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CostsImported message, DateOnly period)
    {
        await connection.ExecuteAsync(
            "select pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = $"costs:{message.DataSourceId}:{period:yyyy-MM}" }, transaction);
        return await connection.ExecuteScalarAsync<bool>(
            $"""
            select exists (select 1 from {QueryDb.Schema}.cost_periods
                where data_source_id = @DataSourceId and billing_period = @period and (imported_at >= @ImportedAt or import_id = @ImportId))
            """,
            new { message.DataSourceId, message.ImportId, period, message.ImportedAt }, transaction);
    }

    /// <summary>Copies the daily rollup; a problem with it (or totals that differ from the event's) is returned and nothing is copied.</summary>
    private static async Task<string?> CopyDailyAsync(
        NpgsqlConnection connection, CostsImported message, DateOnly period, PeriodLoad load, IRollupSource source, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"""
            copy {QueryDb.Schema}.daily_costs (organization_id, data_source_id, billing_period, import_id, day, account_id, product_code,
                service_name, region, usage_type, line_item_type, resource_id, resource_key, tags, currency, unblended,
                net_unblended, blended, amortized, public_on_demand, usage_amount, line_items, pricing_unit, cost_categories, net_amortized)
            from stdin (format binary)
            """, cancellationToken);
        await foreach (var pulled in source.DailyAsync(cancellationToken))
        {
            var line = load.Add(pulled);
            await WriteRowAsync(importer, message, period, line, cancellationToken);
        }

        var mismatch = load.Problem ?? Compare(message.Totals, load.Daily);
        if (mismatch is null)
        {
            await importer.CompleteAsync(cancellationToken);
        }

        return mismatch;
    }

    /// <summary>
    /// Copies the hourly rollup of the days from <paramref name="hourlyFrom"/>; an hour outside them, or hours that do not add up
    /// to the days they cover (both rollups come from the same line items), is returned and nothing is copied.
    /// </summary>
    private static async Task<string?> CopyHourlyAsync(
        NpgsqlConnection connection, CostsImported message, DateOnly period, PeriodLoad load, DateOnly hourlyFrom, IRollupSource source,
        CancellationToken cancellationToken)
    {
        var periodEnd = period.AddMonths(1);
        var hourly = new CurrencyTotalsAccumulator();
        await using var importer = await connection.BeginBinaryImportAsync(
            $"""
            copy {QueryDb.Schema}.hourly_costs (organization_id, data_source_id, billing_period, hour, account_id, product_code, region,
                usage_type, line_item_type, pricing_unit, tags, cost_categories, currency, unblended, net_unblended, blended, amortized,
                net_amortized, public_on_demand, usage_amount, line_items)
            from stdin (format binary)
            """, cancellationToken);
        await foreach (var line in source.HourlyAsync(hourlyFrom, cancellationToken))
        {
            var day = DateOnly.FromDateTime(line.Hour.UtcDateTime);
            if (day < hourlyFrom || day >= periodEnd)
            {
                return $"hourly line of {line.Hour:O} is outside {hourlyFrom:yyyy-MM-dd}..{periodEnd.AddDays(-1):yyyy-MM-dd}";
            }

            var currency = string.IsNullOrEmpty(line.Currency) ? "USD" : line.Currency;
            hourly.Add(currency, line.Unblended, line.NetUnblended, line.Blended, line.Amortized, line.PublicOnDemand, line.UsageAmount, line.LineItems);
            await WriteHourlyRowAsync(importer, message, period, line with { Currency = currency }, cancellationToken);
        }

        if (Compare(load.Recent.ToList(), hourly) is { } different)
        {
            return $"hourly rollup from {hourlyFrom:yyyy-MM-dd} differs from the daily one: {different}";
        }

        await importer.CompleteAsync(cancellationToken);
        return null;
    }

    /// <summary>Fills the two pre-aggregates from the daily rollup, makes the import the period's current one, and keeps the names the CUR gave.</summary>
    private static async Task AggregateAndSwapInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CostsImported message, DateOnly period, PeriodLoad load)
    {
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.daily_dimension_costs
            select organization_id, data_source_id, billing_period, day, account_id, product_code, region, usage_type, line_item_type,
                pricing_unit, currency, sum(unblended), sum(net_unblended), sum(blended), sum(amortized), sum(net_amortized),
                sum(public_on_demand), sum(usage_amount), sum(line_items)
            from {QueryDb.Schema}.daily_costs
            where data_source_id = @DataSourceId and billing_period = @period
            group by organization_id, data_source_id, billing_period, day, account_id, product_code, region, usage_type, line_item_type,
                pricing_unit, currency;

            insert into {QueryDb.Schema}.daily_label_costs
            select c.organization_id, c.data_source_id, c.billing_period, l.kind, l.key, l.value, c.day, c.account_id, c.product_code,
                c.region, c.usage_type, c.line_item_type, c.pricing_unit, c.currency, sum(c.unblended), sum(c.net_unblended), sum(c.blended),
                sum(c.amortized), sum(c.net_amortized), sum(c.public_on_demand), sum(c.usage_amount), sum(c.line_items)
            from {QueryDb.Schema}.daily_costs c
            cross join lateral (
                select 't'::"char" as kind, key, value from jsonb_each_text(c.tags)
                union all
                select 'c'::"char", key, value from jsonb_each_text(c.cost_categories)) l
            where c.data_source_id = @DataSourceId and c.billing_period = @period
            group by c.organization_id, c.data_source_id, c.billing_period, l.kind, l.key, l.value, c.day, c.account_id, c.product_code,
                c.region, c.usage_type, c.line_item_type, c.pricing_unit, c.currency;

            insert into {QueryDb.Schema}.cost_periods (data_source_id, billing_period, organization_id, import_id, imported_at, delivery_id, last_usage_day)
            values (@DataSourceId, @period, @OrganizationId, @ImportId, @importedAt, @DeliveryId, @lastDay)
            on conflict (data_source_id, billing_period) do update
                set import_id = excluded.import_id, imported_at = excluded.imported_at, loaded_at = now(), delivery_id = excluded.delivery_id,
                    last_usage_day = excluded.last_usage_day;

            insert into {QueryDb.Schema}.account_names as a (organization_id, data_source_id, account_id, source, name)
            select @OrganizationId, @DataSourceId, id, 'cur', name from unnest(@accountIds, @accountNames) as n(id, name)
            on conflict (data_source_id, account_id, source) do update set name = excluded.name, updated_at = now() where a.name <> excluded.name;

            insert into {QueryDb.Schema}.service_names as s (organization_id, data_source_id, product_code, name)
            select @OrganizationId, @DataSourceId, code, name from unnest(@productCodes, @serviceNames) as n(code, name)
            on conflict (data_source_id, product_code) do update set name = excluded.name, updated_at = now() where s.name <> excluded.name;

            insert into {QueryDb.Schema}.cost_loads (import_id, organization_id, data_source_id, billing_period, status, loaded_at)
            values (@ImportId, @OrganizationId, @DataSourceId, @period, @loaded, now())
            on conflict (import_id) do update set status = excluded.status, detail = null, loaded_at = excluded.loaded_at, updated_at = now();
            """,
            new
            {
                message.DataSourceId, message.OrganizationId, message.ImportId, message.DeliveryId, importedAt = message.ImportedAt, period, lastDay = load.LastDay,
                accountIds = load.AccountNames.Keys.ToArray(), accountNames = load.AccountNames.Values.ToArray(),
                productCodes = load.ServiceNames.Keys.ToArray(), serviceNames = load.ServiceNames.Values.ToArray(),
                loaded = StatusText.Of(CostLoadStatus.Loaded),
            },
            transaction, commandTimeout: 1800);
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static async Task WriteRowAsync(NpgsqlBinaryImporter importer, CostsImported message, DateOnly period, DailyCostLine line, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken);
        await importer.WriteAsync(message.OrganizationId, NpgsqlDbType.Uuid, cancellationToken);
        await importer.WriteAsync(message.DataSourceId, NpgsqlDbType.Uuid, cancellationToken);
        await importer.WriteAsync(period, NpgsqlDbType.Date, cancellationToken);
        await importer.WriteAsync(message.ImportId, NpgsqlDbType.Uuid, cancellationToken);
        await importer.WriteAsync(line.Day, NpgsqlDbType.Date, cancellationToken);
        await importer.WriteAsync(line.UsageAccountId ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.ProductCode ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.ServiceName ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.Region ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.UsageType ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.LineItemType ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.ResourceId ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(ResourceKey.Normalize(line.ResourceId), NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(JsonSerializer.Serialize(line.Tags ?? Empty), NpgsqlDbType.Jsonb, cancellationToken);
        await importer.WriteAsync(line.Currency, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.Unblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.NetUnblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Blended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Amortized, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.PublicOnDemand, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.UsageAmount, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.LineItems, NpgsqlDbType.Bigint, cancellationToken);
        await importer.WriteAsync(line.PricingUnit ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(JsonSerializer.Serialize(line.CostCategories ?? Empty), NpgsqlDbType.Jsonb, cancellationToken);
        await importer.WriteAsync(line.NetAmortized ?? line.Amortized, NpgsqlDbType.Numeric, cancellationToken);
    }

    private static async Task WriteHourlyRowAsync(NpgsqlBinaryImporter importer, CostsImported message, DateOnly period, HourlyCostLine line, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken);
        await importer.WriteAsync(message.OrganizationId, NpgsqlDbType.Uuid, cancellationToken);
        await importer.WriteAsync(message.DataSourceId, NpgsqlDbType.Uuid, cancellationToken);
        await importer.WriteAsync(period, NpgsqlDbType.Date, cancellationToken);
        await importer.WriteAsync(line.Hour, NpgsqlDbType.TimestampTz, cancellationToken);
        await importer.WriteAsync(line.UsageAccountId ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.ProductCode ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.Region ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.UsageType ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.LineItemType ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.PricingUnit ?? string.Empty, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(JsonSerializer.Serialize(line.Tags ?? Empty), NpgsqlDbType.Jsonb, cancellationToken);
        await importer.WriteAsync(JsonSerializer.Serialize(line.CostCategories ?? Empty), NpgsqlDbType.Jsonb, cancellationToken);
        await importer.WriteAsync(line.Currency, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.Unblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.NetUnblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Blended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Amortized, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.NetAmortized ?? line.Amortized, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.PublicOnDemand, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.UsageAmount, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.LineItems, NpgsqlDbType.Bigint, cancellationToken);
    }

    private static readonly Dictionary<string, string> Empty = [];

    /// <summary>What a load has read of the daily rollup: its sums, those of the hourly days, the names it gives.</summary>
    private sealed class PeriodLoad(DateOnly period, DateOnly hourlyFrom)
    {
        public CurrencyTotalsAccumulator Daily { get; } = new();

        /// <summary>The sums of the days the hourly rollup covers.</summary>
        public CurrencyTotalsAccumulator Recent { get; } = new();

        public Dictionary<string, string> AccountNames { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> ServiceNames { get; } = new(StringComparer.Ordinal);

        public long Lines { get; private set; }

        public DateOnly? LastDay { get; private set; }

        /// <summary>The first line outside the billing period, if any.</summary>
        public string? Problem { get; private set; }

        public DailyCostLine Add(DailyCostLine pulled)
        {
            // A line without a currency is in US dollars (CUR columns before currency codes existed).
            var line = string.IsNullOrEmpty(pulled.Currency) ? pulled with { Currency = "USD" } : pulled;
            if (line.Day < period || line.Day >= period.AddMonths(1))
            {
                Problem ??= $"day {line.Day:yyyy-MM-dd} is outside billing period {period:yyyy-MM}";
            }

            Lines++;
            Daily.Add(line);
            if (line.Day >= hourlyFrom)
            {
                Recent.Add(line);
            }

            if (LastDay is not { } last || line.Day > last)
            {
                LastDay = line.Day;
            }

            Remember(AccountNames, line.UsageAccountId, line.UsageAccountName);
            Remember(ServiceNames, line.ProductCode, line.ServiceName);
            return line;
        }

        private static void Remember(Dictionary<string, string> names, string? id, string? name)
        {
            if (!string.IsNullOrEmpty(id) && !string.IsNullOrWhiteSpace(name) && name != id && names.Count < MaxNames)
            {
                names[id] = name.Trim();
            }
        }
    }

    /// <summary>Null when the pulled sums equal the event's totals in every currency and metric.</summary>
    public static string? Compare(IReadOnlyList<CurrencyTotals> expected, CurrencyTotalsAccumulator actual)
    {
        var expectedByCurrency = expected.ToDictionary(t => string.IsNullOrEmpty(t.Currency) ? "USD" : t.Currency, StringComparer.Ordinal);
        foreach (var currency in expectedByCurrency.Keys.Union(actual.Currencies))
        {
            var e = expectedByCurrency.GetValueOrDefault(currency) ?? new CurrencyTotals(currency, 0, 0, 0, 0, 0, 0, 0);
            var a = actual.Of(currency);
            var differences = new List<string>();
            Check("unblended", e.Unblended, a.Unblended);
            Check("netUnblended", e.NetUnblended, a.NetUnblended);
            Check("blended", e.Blended, a.Blended);
            Check("amortized", e.Amortized, a.Amortized);
            Check("publicOnDemand", e.PublicOnDemand, a.PublicOnDemand);
            Check("usageAmount", e.UsageAmount, a.UsageAmount);
            if (e.Rows != a.Rows)
            {
                differences.Add($"line items {a.Rows} != {e.Rows}");
            }

            if (differences.Count > 0)
            {
                return $"{currency}: pulled rollup differs from CostsImported totals ({string.Join("; ", differences)})";
            }

            void Check(string metric, decimal expectedValue, decimal actualValue)
            {
                if (expectedValue != actualValue)
                {
                    differences.Add($"{metric} {actualValue} != {expectedValue}");
                }
            }
        }

        return null;
    }
}
