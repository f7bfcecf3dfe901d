using System.Runtime.CompilerServices;
using DigiUsher.Query.Data;
using Npgsql;

namespace DigiUsher.Query.Costs;

/// <summary>An amount in one currency (amounts of different currencies are never added).</summary>
public sealed record CurrencyAmount(string Currency, decimal Amount);

/// <summary>One group of a cost query.</summary>
public sealed record CostGroup(IReadOnlyDictionary<string, string> Keys, string Currency, decimal Amount);

/// <summary>Runs cost queries against the read model.</summary>
public sealed class CostReader(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<CurrencyAmount>> TotalsAsync(CostQuery query, CancellationToken cancellationToken)
    {
        var sql = new SqlParameters();
        var text = query.TotalsSql(sql);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = sql.CreateCommand(connection, text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var totals = new List<CurrencyAmount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            totals.Add(new CurrencyAmount(reader.GetString(0), reader.GetDecimal(1)));
        }

        return totals;
    }

    /// <summary>
    /// The import ids whose rollups the answer is read from (the organization's current cost periods): the
    /// answer changes only when one of them does, so they make its ETag. Null for queries by owner, whose
    /// answer also changes with discovery.
    /// </summary>
    public async Task<string?> SourceVersionAsync(CostQuery query, CancellationToken cancellationToken)
    {
        if (query.NeedsOwner)
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            select coalesce(string_agg(import_id::text, ',' order by data_source_id, billing_period), '')
            from {QueryDb.Schema}.cost_periods where organization_id = $1 and ($2::uuid is null or data_source_id = $2)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = query.OrganizationId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.DataSourceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public async IAsyncEnumerable<CostGroup> GroupsAsync(CostQuery query, long offset, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sql = new SqlParameters();
        var text = query.GroupsSql(sql, offset, limit);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = sql.CreateCommand(connection, text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var count = query.GroupBy.Count;
        while (await reader.ReadAsync(cancellationToken))
        {
            var keys = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                keys[query.GroupBy[i].Name] = reader.GetString(i);
            }

            yield return new CostGroup(keys, reader.GetString(count), reader.GetDecimal(count + 1));
        }
    }
}
