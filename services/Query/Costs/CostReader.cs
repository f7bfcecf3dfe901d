using System.Data;
using System.Globalization;
using System.Text.Json;
using Dapper;
using DigiUsher.Query.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.Query.Costs;

/// <summary>
/// Runs cost queries against the read model. Everything one answer shows (the page of groups, the
/// totals, the names, what it was read from) comes from one repeatable-read, read-only transaction:
/// an import swapped in meanwhile changes the next answer, never half of this one.
/// </summary>
public sealed class CostReader(ApiDataSource dataSource, IOptions<ApiOptions> options)
{
    /// <summary>A page of groups with the totals and sources.</summary>
    public async Task<CostAnswer> QueryAsync(CostQuery query, long offset, CancellationToken cancellationToken)
    {
        await using var snapshot = await Snapshot.OpenAsync(dataSource, statementTimeoutMs: null, cancellationToken);
        var items = new List<CostItem>(Math.Min(query.Limit, 1024));
        var (totals, count) = await ReadAsync(snapshot, query, offset, query.Limit, item =>
        {
            items.Add(item);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        var named = await NameAsync(snapshot, query, items, cancellationToken);
        var sources = await SourcesAsync(snapshot, query.OrganizationId, query.DataSourceId, query.ReadRange, cancellationToken);
        return new CostAnswer(named, totals, count ?? 0, sources);
    }

    /// <summary>
    /// Every group of the query, streamed to <paramref name="write"/> with names, after <paramref name="start"/>; or,
    /// when the answer has more than <see cref="ApiOptions.MaxExportRows"/> groups, nothing and that count.
    /// </summary>
    public async Task<long?> ExportAsync(CostQuery query, Func<ValueTask> start, Func<CostItem, ValueTask> write, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxExportRows;
        await using var snapshot = await Snapshot.OpenAsync(dataSource, options.Value.ExportStatementTimeoutMs, cancellationToken);
        var batch = new List<CostItem>(256);
        var started = false;
        var (_, refused) = await ReadAsync(snapshot, query, 0, max, async item =>
        {
            if (!started)
            {
                started = true;
                await start();
            }

            batch.Add(item);
            if (batch.Count == batch.Capacity)
            {
                await FlushAsync();
            }
        }, cancellationToken, cap: max);
        if (refused is not null)
        {
            return refused;
        }

        if (!started)
        {
            await start();
        }

        await FlushAsync();
        return null;

        async Task FlushAsync()
        {
            foreach (var item in await NameAsync(snapshot, query, batch, cancellationToken))
            {
                await write(item);
            }

            batch.Clear();
        }
    }

    /// <summary>The import ids of the organization's current cost periods: the answer changes only when one of them does (the ETag of GET answers).</summary>
    public async Task<string?> SourceVersionAsync(CostQuery query, CancellationToken cancellationToken)
    {
        if (query.Dimensions.Any(d => d.Name == "owner"))
        {
            return null; // An answer by owner also changes with discovery.
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            select coalesce(string_agg(import_id::text, ',' order by data_source_id, billing_period), '')
            from {QueryDb.Schema}.cost_periods where organization_id = $1 and ($2::uuid is null or {CostScope.PeriodCondition(string.Empty, "$2")})
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = query.OrganizationId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.DataSourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>The imports an answer over <paramref name="range"/> reads, per data source and billing period.</summary>
    public static async Task<IReadOnlyList<CostSource>> SourcesAsync(
        Snapshot snapshot, Guid organizationId, Guid? dataSourceId, CostRange range, CancellationToken cancellationToken)
    {
        await using var command = snapshot.Command(
            $"""
            select p.data_source_id as datasourceid, d.name as datasourcename, p.billing_period as billingperiod, p.import_id as importid,
                p.delivery_id as deliveryid, i.is_final as isfinal, p.imported_at as dataasof, p.last_usage_day as lastusageday
            from {QueryDb.Schema}.cost_periods p
            left join {QueryDb.Schema}.imports i on i.data_source_id = p.data_source_id and i.billing_period = p.billing_period and i.import_id = p.import_id
            left join {QueryDb.Schema}.data_sources d on d.data_source_id = p.data_source_id
            where p.organization_id = $1 and ($2::uuid is null or {CostScope.PeriodCondition("p", "$2")}) and p.billing_period between $3 and $4
            order by p.billing_period, p.data_source_id
            """,
            organizationId, (object?)dataSourceId ?? DBNull.Value, new DateOnly(range.From.Year, range.From.Month, 1), range.To);
        command.Parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parse = reader.GetRowParser<SourceRow>();
        var sources = new List<CostSource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sources.Add(parse(reader).ToSource());
        }

        return sources;
    }

    /// <summary>Reads the statement's rows: items to <paramref name="item"/>; returns the totals and the item count (the refused count with a cap).</summary>
    private static async Task<(IReadOnlyList<CostTotal> Totals, long? Count)> ReadAsync(
        Snapshot snapshot, CostQuery query, long offset, int limit, Func<CostItem, ValueTask> item, CancellationToken cancellationToken, int? cap = null)
    {
        var statement = new CostStatement(query);
        var text = statement.ItemsAndTotals(offset, limit, cap);
        await using var command = statement.Parameters.CreateCommand(snapshot.Connection, text);
        command.Transaction = snapshot.Transaction;
        command.CommandTimeout = 0; // Postgres's statement_timeout is the limit.
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = new RowColumns(reader, query, statement.CostMetrics);
        var totals = new List<CostTotal>();
        long? count = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            switch (reader.GetInt32(columns.RowKind))
            {
                case 0:
                    count ??= reader.GetInt64(columns.ItemCount);
                    await item(columns.Item(reader));
                    break;
                case 1:
                    totals.Add(columns.Total(reader));
                    break;
                default:
                    return ([], reader.GetInt64(columns.ItemCount));
            }
        }

        return (totals, cap is null ? count ?? 0 : null);
    }

    /// <summary>Display names for the services and accounts of the items, and what each resource is.</summary>
    private static async Task<IReadOnlyList<CostItem>> NameAsync(Snapshot snapshot, CostQuery query, IReadOnlyList<CostItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return items;
        }

        var names = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (dimension, view, column) in new[]
        {
            ("service", "service_display_names", "product_code"),
            ("account", "account_display_names", "account_id"),
        })
        {
            if (query.GroupBy.Any(g => g.Name == dimension))
            {
                names[dimension] = await LookupAsync(snapshot,
                    $"select {column} as id, name from {QueryDb.Schema}.{view} where organization_id = $1 and {column} = any($2)",
                    query.OrganizationId, Distinct(items, dimension), cancellationToken);
            }
        }

        var resources = new Dictionary<string, CostResource>(StringComparer.Ordinal);
        if (query.GroupBy.Any(g => g.Name == "resource"))
        {
            await using var command = snapshot.Command(
                $"""
                select k.id, r.name, coalesce(r.kind, {QueryDb.Schema}.inferred_resource_kind(k.id)) as kind, r.owner_email as owner,
                    r.resource_id is not null as discovered
                from unnest($2::text[]) k(id)
                left join lateral (
                    select resource_id, name, kind, owner_email from {QueryDb.Schema}.resources
                    where organization_id = $1 and resource_id = k.id
                    order by gone_at is null desc, discovered_at desc limit 1) r on true
                """, query.OrganizationId, Distinct(items, "resource"));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var parse = reader.GetRowParser<ResourceRow>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = parse(reader);
                resources[row.Id] = new CostResource(row.Name, row.Kind, row.Owner, row.Discovered);
            }
        }

        if (names.Count == 0 && resources.Count == 0)
        {
            return items;
        }

        return [.. items.Select(item =>
        {
            var itemNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (dimension, byId) in names)
            {
                if (byId.TryGetValue(item.Keys[dimension], out var name))
                {
                    itemNames[dimension] = name;
                }
            }

            var resource = item.Keys.TryGetValue("resource", out var id) && id.Length > 0 ? resources.GetValueOrDefault(id) : null;
            if (resource?.Name is { } resourceName)
            {
                itemNames["resource"] = resourceName;
            }

            return item with { Names = itemNames.Count == 0 ? null : itemNames, Resource = resource };
        })];
    }

    private static string[] Distinct(IReadOnlyList<CostItem> items, string dimension) =>
        [.. items.Select(i => i.Keys[dimension]).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal)];

    private static async Task<IReadOnlyDictionary<string, string>> LookupAsync(
        Snapshot snapshot, string sql, Guid organizationId, string[] ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = snapshot.Command(sql, organizationId, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parse = reader.GetRowParser<DisplayName>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var (id, name) = parse(reader);
            result[id] = name;
        }

        return result;
    }

    private sealed record SourceRow(
        Guid DataSourceId, string? DataSourceName, DateOnly BillingPeriod, Guid ImportId, string? DeliveryId, bool? IsFinal, DateTime DataAsOf,
        DateOnly? LastUsageDay)
    {
        public CostSource ToSource() => new(
            DataSourceId, DataSourceName, BillingPeriod.ToString("yyyy-MM", CultureInfo.InvariantCulture), ImportId, DeliveryId, IsFinal, DbTime.Utc(DataAsOf), LastUsageDay);
    }

    private sealed record DisplayName(string Id, string Name);

    private sealed record ResourceRow(string Id, string? Name, string? Kind, string? Owner, bool Discovered);

    /// <summary>One connection in a repeatable-read, read-only transaction.</summary>
    public sealed class Snapshot : IAsyncDisposable
    {
        private Snapshot(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            Connection = connection;
            Transaction = transaction;
        }

        public NpgsqlConnection Connection { get; }

        public NpgsqlTransaction Transaction { get; }

        /// <summary>Opens the snapshot; <paramref name="statementTimeoutMs"/> is a longer statement timeout for it (exports), null keeps the API's.</summary>
        public static async Task<Snapshot> OpenAsync(ApiDataSource dataSource, int? statementTimeoutMs, CancellationToken cancellationToken)
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            try
            {
                var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
                var snapshot = new Snapshot(connection, transaction);
                await using var readOnly = snapshot.Command(statementTimeoutMs is { } ms
                    ? $"set transaction read only; set local statement_timeout = {ms.ToString(CultureInfo.InvariantCulture)}"
                    : "set transaction read only");
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
                return snapshot;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public NpgsqlCommand Command(string sql, params object[] parameters)
        {
            var command = new NpgsqlCommand(sql, Connection, Transaction);
            foreach (var value in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            return command;
        }

        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }

    /// <summary>The column positions of the statement's rows, and how a row becomes an item or a total.</summary>
    private sealed class RowColumns
    {
        private readonly CostQuery _query;
        private readonly IReadOnlyList<CostMetric> _metrics;
        private readonly int[] _keys;
        private readonly int _time;
        private readonly int _currency;
        private readonly int[] _current;
        private readonly int[] _previous;
        private readonly int _usage;

        public RowColumns(NpgsqlDataReader reader, CostQuery query, IReadOnlyList<CostMetric> metrics)
        {
            _query = query;
            _metrics = metrics;
            _keys = [.. query.GroupBy.Select((_, i) => reader.GetOrdinal($"k{i}"))];
            _time = reader.GetOrdinal("t");
            _currency = reader.GetOrdinal("currency");
            _current = [.. metrics.Select((_, i) => reader.GetOrdinal($"c{i}"))];
            _previous = query.ComparePrevious ? [.. metrics.Select((_, i) => reader.GetOrdinal($"p{i}"))] : [];
            _usage = reader.GetOrdinal("usage");
            RowKind = reader.GetOrdinal("row_kind");
            ItemCount = reader.GetOrdinal("item_count");
        }

        /// <summary>0 for an item, 1 for a total, 2 for the refused count of an export over its cap.</summary>
        public int RowKind { get; }

        public int ItemCount { get; }

        public CostItem Item(NpgsqlDataReader reader)
        {
            var keys = new Dictionary<string, string>(_keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < _keys.Length; i++)
            {
                keys[_query.GroupBy[i].Name] = reader.GetString(_keys[i]);
            }

            var (amounts, usage, previous, change) = Measures(reader);
            return new CostItem(_query.Range.Label(_query.Granularity, reader.GetInt32(_time)), keys, null, null, reader.GetString(_currency),
                amounts, usage, previous, change);
        }

        public CostTotal Total(NpgsqlDataReader reader)
        {
            var (amounts, usage, previous, change) = Measures(reader);
            return new CostTotal(reader.GetString(_currency), amounts, usage, previous, change);
        }

        private (Dictionary<string, decimal> Amounts, IReadOnlyList<UsageQuantity>? Usage, Dictionary<string, decimal>? Previous, Dictionary<string, CostChange>? Change)
            Measures(NpgsqlDataReader reader)
        {
            var amounts = new Dictionary<string, decimal>(_metrics.Count, StringComparer.Ordinal);
            Dictionary<string, decimal>? previous = _query.ComparePrevious ? new(_metrics.Count, StringComparer.Ordinal) : null;
            Dictionary<string, CostChange>? change = _query.ComparePrevious ? new(_metrics.Count, StringComparer.Ordinal) : null;
            for (var i = 0; i < _metrics.Count; i++)
            {
                var current = reader.IsDBNull(_current[i]) ? 0m : reader.GetDecimal(_current[i]);
                amounts[_metrics[i].Name] = current;
                if (previous is not null)
                {
                    var before = reader.IsDBNull(_previous[i]) ? 0m : reader.GetDecimal(_previous[i]);
                    previous[_metrics[i].Name] = before;
                    change![_metrics[i].Name] = CostChange.Between(current, before);
                }
            }

            return (amounts, _query.HasUsage ? Usage(reader.GetString(_usage)) : null, previous, change);
        }

        private List<UsageQuantity> Usage(string json)
        {
            using var document = JsonDocument.Parse(json);
            var usage = new List<UsageQuantity>();
            foreach (var unit in document.RootElement.EnumerateArray())
            {
                var amount = unit.GetProperty("amount").GetDecimal();
                decimal? previous = _query.ComparePrevious ? unit.GetProperty("previous").GetDecimal() : null;
                usage.Add(new UsageQuantity(unit.GetProperty("unit").GetString() ?? string.Empty, amount, previous,
                    previous is { } before ? CostChange.Between(amount, before) : null));
            }

            return usage;
        }
    }
}
