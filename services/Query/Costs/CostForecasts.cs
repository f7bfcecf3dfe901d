using System.Globalization;
using DigiUsher.Query.Data;

namespace DigiUsher.Query.Costs;

/// <summary>A forecast (or actual) sum over a span of days, with its 80% interval.</summary>
/// <param name="From">First day.</param>
/// <param name="To">Last day.</param>
/// <param name="Amount">The sum (actual costs plus the forecast of the days without data).</param>
/// <param name="Lower">The 80% interval's lower end.</param>
/// <param name="Upper">The 80% interval's upper end.</param>
public sealed record ForecastSpan(DateOnly From, DateOnly To, decimal Amount, decimal Lower, decimal Upper);

/// <summary>The forecast of one currency's costs.</summary>
/// <param name="Currency">Every amount's currency.</param>
/// <param name="TrainingDays">Days of history the model was fitted on.</param>
/// <param name="MonthToDate">Actual costs of the month up to the last complete day of data.</param>
/// <param name="RestOfMonth">Forecast of the month's remaining days.</param>
/// <param name="Month">The whole month: actual plus forecast.</param>
/// <param name="NextMonths">The three months after it.</param>
public sealed record CurrencyForecast(
    string Currency, int TrainingDays, ForecastSpan MonthToDate, ForecastSpan RestOfMonth, ForecastSpan Month, IReadOnlyList<ForecastSpan> NextMonths);

/// <summary>A forecast answer: per currency, and what it was read from.</summary>
public sealed record CostForecast(
    string Metric, string Method, DateOnly LastCompleteDay, IReadOnlyList<CurrencyForecast> Items, IReadOnlyList<CostSource> Sources)
{
    public DateTimeOffset? DataAsOf => Sources.Count == 0 ? null : Sources.Min(s => s.DataAsOf);
}

/// <summary>
/// Forecasts from the daily series of the costs a filter selects (<see cref="CostForecaster"/>). The last
/// day with data is partial until its month is final (CUR deliveries arrive through the day), so the
/// series ends the day before and the forecast covers that day too.
/// </summary>
public sealed class CostForecasts(ApiDataSource dataSource, CostReader reader)
{
    /// <summary>The forecast; null when no costs are loaded for the organization (or data source).</summary>
    public async Task<CostForecast?> ForecastAsync(Guid organizationId, Guid? dataSourceId, CostMetric metric, CostFilter? filter, CancellationToken cancellationToken)
    {
        if (await LastCompleteDayAsync(organizationId, dataSourceId, cancellationToken) is not { } lastComplete)
        {
            return null;
        }

        var training = new CostRange(lastComplete.AddDays(1 - CostForecaster.TrainingDays), lastComplete);
        var query = new CostQuery(organizationId, training, CostGranularity.Day, [metric], [], filter, false, dataSourceId, Limit: 100_000);
        var answer = await reader.QueryAsync(query, 0, cancellationToken);
        var items = new List<CurrencyForecast>();
        foreach (var currency in answer.Items.GroupBy(i => i.Currency).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var byDay = currency.ToDictionary(i => DateOnly.ParseExact(i.Time!, "yyyy-MM-dd", CultureInfo.InvariantCulture), i => i.Amounts[metric.Name]);
            var first = byDay.Keys.Min();
            var series = Enumerable.Range(0, lastComplete.DayNumber - first.DayNumber + 1).Select(d => byDay.GetValueOrDefault(first.AddDays(d))).ToList();
            if (CostForecaster.Fit(first, series) is { } model)
            {
                items.Add(Forecast(currency.Key, model, byDay, lastComplete));
            }
        }

        return new CostForecast(metric.Name, CostForecaster.Method, lastComplete, items, answer.Sources);
    }

    private static CurrencyForecast Forecast(string currency, CostForecaster.Model model, Dictionary<DateOnly, decimal> actual, DateOnly lastComplete)
    {
        var next = lastComplete.AddDays(1);
        var monthStart = new DateOnly(next.Year, next.Month, 1);
        var monthEnd = monthStart.AddMonths(1).AddDays(-1);
        var toDate = actual.Where(a => a.Key >= monthStart).Sum(a => a.Value);
        var rest = model.Sum(next, monthEnd);
        var months = Enumerable.Range(1, 3).Select(m =>
        {
            var start = monthStart.AddMonths(m);
            var end = start.AddMonths(1).AddDays(-1);
            var sum = model.Sum(start, end);
            return new ForecastSpan(start, end, sum.Amount, sum.Lower, sum.Upper);
        }).ToList();
        return new CurrencyForecast(
            currency, model.Days,
            new ForecastSpan(monthStart, lastComplete < monthStart ? monthStart.AddDays(-1) : lastComplete, toDate, toDate, toDate),
            new ForecastSpan(next, monthEnd, rest.Amount, rest.Lower, rest.Upper),
            new ForecastSpan(monthStart, monthEnd, toDate + rest.Amount, toDate + rest.Lower, toDate + rest.Upper),
            months);
    }

    /// <summary>The newest usage day loaded, or the day before it while its month is not final.</summary>
    private async Task<DateOnly?> LastCompleteDayAsync(Guid organizationId, Guid? dataSourceId, CancellationToken cancellationToken)
    {
        await using var snapshot = await CostReader.Snapshot.OpenAsync(dataSource, statementTimeoutMs: null, cancellationToken);
        await using var command = snapshot.Command(
            $"""
            select p.last_usage_day - case when coalesce(i.is_final, false) then 0 else 1 end
            from {QueryDb.Schema}.cost_periods p
            left join {QueryDb.Schema}.imports i on i.data_source_id = p.data_source_id and i.billing_period = p.billing_period and i.import_id = p.import_id
            where p.organization_id = $1 and ($2::uuid is null or {CostScope.PeriodCondition("p", "$2")}) and p.last_usage_day is not null
            order by p.last_usage_day desc limit 1
            """, organizationId, (object?)dataSourceId ?? DBNull.Value);
        command.Parameters[1].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            DateOnly day => day,
            DateTime day => DateOnly.FromDateTime(day),
            _ => null,
        };
    }
}
