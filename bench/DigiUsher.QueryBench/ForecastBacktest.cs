using System.Globalization;
using DigiUsher.Query.Costs;

namespace DigiUsher.QueryBench;

/// <summary>
/// Back-test of the cost forecast on generated daily series: for each case, five months of history of an
/// account (level, growth or decline, weekend dip, noise, a monthly fee on the 1st, rare spikes, sometimes
/// a lasting step up or down), the forecast made on a day of the fifth month from the 90 days before it,
/// compared with what the series did: the rest of that month, the whole month (actual to date + forecast),
/// and the next month. Prints the mean absolute percentage errors and how often the 80% interval held
/// the actual value.
/// </summary>
internal static class ForecastBacktest
{
    private static readonly int[] AnchorDays = [5, 10, 15, 20, 25];

    public static string Run(int months, int seed)
    {
        var random = new Random(seed);
        var rest = new List<(decimal Actual, ForecastAmount Forecast)>();
        var month = new List<(decimal Actual, ForecastAmount Forecast)>();
        var next = new List<(decimal Actual, ForecastAmount Forecast)>();
        for (var c = 0; c < months; c++)
        {
            var start = new DateOnly(2024, 1, 1).AddMonths(random.Next(0, 24));
            var target = start.AddMonths(4);
            var series = Generate(random, start, target.AddMonths(2));
            var anchor = target.AddDays(AnchorDays[c % AnchorDays.Length] - 1);
            var lastComplete = anchor.AddDays(-1);
            var first = lastComplete.AddDays(1 - CostForecaster.TrainingDays);
            var training = Enumerable.Range(0, CostForecaster.TrainingDays).Select(d => series[first.AddDays(d)]).ToList();
            var model = CostForecaster.Fit(first, training)!;
            var monthEnd = target.AddMonths(1).AddDays(-1);
            var toDate = Sum(series, target, lastComplete);
            var restForecast = model.Sum(anchor, monthEnd);
            rest.Add((Sum(series, anchor, monthEnd), restForecast));
            month.Add((Sum(series, target, monthEnd), new ForecastAmount(toDate + restForecast.Amount, toDate + restForecast.Lower, toDate + restForecast.Upper)));
            var nextStart = target.AddMonths(1);
            next.Add((Sum(series, nextStart, nextStart.AddMonths(1).AddDays(-1)), model.Sum(nextStart, nextStart.AddMonths(1).AddDays(-1))));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"bench forecast-backtest months={months} mape_month_pct={Mape(month):0.0} mape_rest_of_month_pct={Mape(rest):0.0} mape_next_month_pct={Mape(next):0.0} "
            + $"coverage80_rest_of_month={Coverage(rest):0.00} coverage80_next_month={Coverage(next):0.00}");
    }

    /// <summary>One account's daily costs from <paramref name="from"/> up to (not including) <paramref name="until"/>.</summary>
    private static Dictionary<DateOnly, decimal> Generate(Random random, DateOnly from, DateOnly until)
    {
        var level = 200.0 + (random.NextDouble() * 20_000);
        var growth = -0.003 + (random.NextDouble() * 0.011);
        var weekend = 0.6 + (random.NextDouble() * 0.4);
        var noise = 0.03 + (random.NextDouble() * 0.12);
        var monthlyFee = random.NextDouble() < 0.7 ? level * random.NextDouble() * 5 : 0;
        var stepDay = random.NextDouble() < 0.3 ? from.AddDays(random.Next(0, until.DayNumber - from.DayNumber)) : (DateOnly?)null;
        var step = 0.8 + (random.NextDouble() * 0.4);
        var series = new Dictionary<DateOnly, decimal>();
        for (var day = from; day < until; day = day.AddDays(1))
        {
            var t = day.DayNumber - from.DayNumber;
            var value = level * Math.Pow(1 + growth, t);
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                value *= weekend;
            }

            if (stepDay is { } s && day >= s)
            {
                value *= step;
            }

            value *= Math.Max(0.1, 1 + (noise * Normal(random)));
            if (random.NextDouble() < 1.0 / 60)
            {
                value *= 1.5 + (random.NextDouble() * 1.5);
            }

            if (day.Day == 1)
            {
                value += monthlyFee;
            }

            series[day] = decimal.Round((decimal)value, 4);
        }

        return series;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static decimal Sum(Dictionary<DateOnly, decimal> series, DateOnly from, DateOnly to) =>
        series.Where(d => d.Key >= from && d.Key <= to).Sum(d => d.Value);

    private static double Mape(List<(decimal Actual, ForecastAmount Forecast)> cases) =>
        cases.Average(c => (double)Math.Abs((c.Forecast.Amount - c.Actual) / c.Actual)) * 100;

    private static double Coverage(List<(decimal Actual, ForecastAmount Forecast)> cases) =>
        cases.Count(c => c.Actual >= c.Forecast.Lower && c.Actual <= c.Forecast.Upper) / (double)cases.Count;
}
