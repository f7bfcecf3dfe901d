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
