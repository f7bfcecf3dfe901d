using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Data;
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
/// Replaces the daily costs of one (data source, billing period) with an import's rollup in one
/// transaction: readers see the previous month or the new one, never a mix and never a gap (MVCC
/// keeps the old rows visible until commit). A concurrent or older import is serialized by an
/// advisory lock and dropped when a newer one is already loaded.
/// </summary>
public sealed class CostPeriodStore(NpgsqlDataSource dataSource)
{
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

    public async Task<CostLoadResult> ReplaceAsync(
        CostsImported message,
        DateOnly period,
        Func<CancellationToken, IAsyncEnumerable<DailyCostLine>> pull,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "select pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = $"costs:{message.DataSourceId}:{period:yyyy-MM}" }, transaction);
        var importedAt = message.ImportedAt;
        var newerLoaded = await connection.ExecuteScalarAsync<bool>(
            $"""
            select exists (select 1 from {QueryDb.Schema}.cost_periods
                where data_source_id = @DataSourceId and billing_period = @period and (imported_at >= @importedAt or import_id = @ImportId))
            """,
            new { message.DataSourceId, message.ImportId, period, importedAt }, transaction);
        if (newerLoaded)
        {
            return new CostLoadResult(CostLoadOutcome.AlreadyCurrent, 0, null);
        }

        await connection.ExecuteAsync(
            $"""
            delete from {QueryDb.Schema}.daily_costs where data_source_id = @DataSourceId and billing_period = @period;
            delete from {QueryDb.Schema}.daily_service_costs where data_source_id = @DataSourceId and billing_period = @period;
            """,
            new { message.DataSourceId, period }, transaction, commandTimeout: 600);

        var sums = new CurrencyTotalsAccumulator();
        long lines = 0;
        string? outOfPeriod = null;
        await using (var importer = await connection.BeginBinaryImportAsync(
            $"""
            copy {QueryDb.Schema}.daily_costs (organization_id, data_source_id, billing_period, import_id, day, account_id, product_code,
                service_name, region, usage_type, line_item_type, resource_id, resource_key, tags, currency, unblended,
                net_unblended, blended, amortized, public_on_demand, usage_amount, line_items) from stdin (format binary)
            """, cancellationToken))
        {
            await foreach (var pulled in pull(cancellationToken))
            {
                // A line without a currency is in US dollars (CUR columns before currency codes existed).
                var line = string.IsNullOrEmpty(pulled.Currency) ? pulled with { Currency = "USD" } : pulled;
                if (line.Day < period || line.Day >= period.AddMonths(1))
                {
                    outOfPeriod ??= $"day {line.Day:yyyy-MM-dd} is outside billing period {period:yyyy-MM}";
                }

                lines++;
                sums.Add(line);
                await WriteRowAsync(importer, message, period, line, cancellationToken);
            }

            var mismatch = outOfPeriod ?? Compare(message.Totals, sums);
            if (mismatch is not null)
            {
                return new CostLoadResult(CostLoadOutcome.Mismatch, lines, mismatch);
            }

            await importer.CompleteAsync(cancellationToken);
        }

        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.daily_service_costs (organization_id, data_source_id, billing_period, day, account_id, product_code,
                service_name, region, currency, unblended, net_unblended, blended, amortized, public_on_demand, usage_amount, line_items)
            select organization_id, data_source_id, billing_period, day, account_id, product_code, max(service_name), region, currency,
                sum(unblended), sum(net_unblended), sum(blended), sum(amortized), sum(public_on_demand), sum(usage_amount), sum(line_items)
            from {QueryDb.Schema}.daily_costs
            where data_source_id = @DataSourceId and billing_period = @period
            group by organization_id, data_source_id, billing_period, day, account_id, product_code, region, currency;

            insert into {QueryDb.Schema}.cost_periods (data_source_id, billing_period, organization_id, import_id, imported_at)
            values (@DataSourceId, @period, @OrganizationId, @ImportId, @importedAt)
            on conflict (data_source_id, billing_period) do update
                set import_id = excluded.import_id, imported_at = excluded.imported_at, loaded_at = now();

            insert into {QueryDb.Schema}.cost_loads (import_id, organization_id, data_source_id, billing_period, status, loaded_at)
            values (@ImportId, @OrganizationId, @DataSourceId, @period, @loaded, now())
            on conflict (import_id) do update set status = excluded.status, detail = null, loaded_at = excluded.loaded_at, updated_at = now();
            """,
            new { message.DataSourceId, message.OrganizationId, message.ImportId, importedAt, period, loaded = StatusText.Of(CostLoadStatus.Loaded) },
            transaction, commandTimeout: 600);
        await transaction.CommitAsync(cancellationToken);
        return new CostLoadResult(CostLoadOutcome.Loaded, lines, null);
    }

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
        await importer.WriteAsync(JsonSerializer.Serialize(line.Tags ?? new Dictionary<string, string>()), NpgsqlDbType.Jsonb, cancellationToken);
        await importer.WriteAsync(line.Currency, NpgsqlDbType.Text, cancellationToken);
        await importer.WriteAsync(line.Unblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.NetUnblended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Blended, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.Amortized, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.PublicOnDemand, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.UsageAmount, NpgsqlDbType.Numeric, cancellationToken);
        await importer.WriteAsync(line.LineItems, NpgsqlDbType.Bigint, cancellationToken);
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
