namespace DigiUsher.Query.Costs;

/// <summary>A forecast amount with its 80% prediction interval.</summary>
public sealed record ForecastAmount(decimal Amount, decimal Lower, decimal Upper);

/// <summary>
/// Forecasts sums of future daily costs from the daily series: ordinary least squares on the last
/// <see cref="TrainingDays"/> days with a level, a linear trend, day-of-week effects and a first-of-the-month
/// effect (monthly fees: support, Reserved Instance and Savings Plan fees land on the 1st), each used once
/// the history has enough days to estimate it. The 80% interval of a sum of future days is the OLS
/// prediction interval of that sum, ±1.2816·σ·√(h·(1+ρ)/(1−ρ) + aᵀ(XᵀX)⁻¹a): h the days summed, a the sum of
/// their feature rows, σ the residuals' standard deviation, ρ their lag-1 autocorrelation (errors of
/// consecutive days are alike, so a sum of them spreads wider than independent ones), widened further when the
/// model, refitted on earlier days of the same history, missed by more than that (<see cref="Calibration"/>).
/// Computed in decimal; the bench back-tests it (bench/RESULTS.md).
/// </summary>
public static class CostForecaster
{
    public const int TrainingDays = 90;
    public const int MinimumDays = 7;
    public const string Method =
        "least squares on the last 90 days of daily costs: level, linear trend, day of week, first of the month; "
        + "80% prediction interval of the sum from the residuals, widened for their day-to-day autocorrelation "
        + "and to the model's own errors when refitted on earlier days of the history";

    private const decimal Z80 = 1.2815515655m;

    /// <summary>
    /// A model fitted to <paramref name="series"/> (one amount per consecutive day from <paramref name="firstDay"/>);
    /// null with fewer than <see cref="MinimumDays"/> days.
    /// </summary>
    public static Model? Fit(DateOnly firstDay, IReadOnlyList<decimal> series)
    {
        if (series.Count < MinimumDays)
        {
            return null;
        }

        var days = Enumerable.Range(0, series.Count).Select(i => firstDay.AddDays(i)).ToList();
        var features = new Features(
            Trend: series.Count >= 14,
            Weekdays: series.Count >= 21,
            FirstOfMonth: days.Count(d => d.Day == 1) >= 2,
            firstDay);
        // Fall back to fewer effects when the data cannot tell them apart (a singular system).
        foreach (var candidate in new[] { features, features with { FirstOfMonth = false }, features with { FirstOfMonth = false, Weekdays = false }, new Features(false, false, false, firstDay) })
        {
            if (Model.TryFit(candidate, days, series) is { } model)
            {
                return model.Calibrated(Calibration(candidate, days, series));
            }
        }

        return null;
    }

    /// <summary>
    /// How much wider than the model's own interval its errors have been in this history: the model refitted on
    /// the history up to earlier days (every 7 days from 28 on, the same effects) forecasts the sums of the spans
    /// after them it can check (<see cref="CheckedSpans"/>); each error is measured in the model's standard errors, and the 80th percentile
    /// of those over 1.2816 (at least 1) widens the interval. A month with level shifts in its history then gets
    /// an interval as wide as its past errors were; one the model fits gets the model's own interval.
    /// </summary>
    /// <summary>The spans checked after each earlier day (days ahead, days summed): a rest of month, a month, a month a fortnight on.</summary>
    private static readonly (int Lead, int Length)[] CheckedSpans = [(0, 7), (0, 14), (0, 28), (14, 28)];

    private static decimal Calibration(Features features, IReadOnlyList<DateOnly> days, IReadOnlyList<decimal> series)
    {
        var scores = new List<decimal>();
        for (var origin = days.Count - 7; origin >= 28; origin -= 7)
        {
            if (Model.TryFit(features, days.Take(origin).ToList(), series.Take(origin).ToList()) is not { } earlier)
            {
                continue;
            }

            foreach (var (lead, length) in CheckedSpans)
            {
                var start = origin + lead;
                if (start + length > days.Count)
                {
                    continue;
                }

                var forecast = earlier.Sum(days[start], days[start + length - 1]);
                var standardError = (forecast.Upper - forecast.Amount) / Z80;
                var actual = 0m;
                for (var d = start; d < start + length; d++)
                {
                    actual += series[d];
                }

                if (standardError > 0m)
                {
                    scores.Add(Math.Abs(actual - forecast.Amount) / standardError);
                }
            }
        }

        if (scores.Count < 3)
        {
            return 1m;
        }

        scores.Sort();
        var quantile = scores[Math.Min(scores.Count - 1, (int)Math.Ceiling(0.8 * scores.Count) - 1)];
        return Math.Max(1m, quantile / Z80);
    }

    /// <summary>Which effects a model has, and the day its trend counts from.</summary>
    public sealed record Features(bool Trend, bool Weekdays, bool FirstOfMonth, DateOnly Origin)
    {
        public int Count => 1 + (Trend ? 1 : 0) + (Weekdays ? 6 : 0) + (FirstOfMonth ? 1 : 0);

        public decimal[] Row(DateOnly day)
        {
            var row = new decimal[Count];
            var i = 0;
            row[i++] = 1m;
            if (Trend)
            {
                row[i++] = day.DayNumber - Origin.DayNumber;
            }

            if (Weekdays)
            {
                var weekday = ((int)day.DayOfWeek + 6) % 7; // Monday 0 .. Sunday 6; Sunday is the reference
                for (var d = 0; d < 6; d++)
                {
                    row[i++] = weekday == d ? 1m : 0m;
                }
            }

            if (FirstOfMonth)
            {
                row[i] = day.Day == 1 ? 1m : 0m;
            }

            return row;
        }
    }

    /// <summary>A fitted model: coefficients, (XᵀX)⁻¹ as a factorization, the residuals' variance.</summary>
    public sealed class Model
    {
        private readonly decimal[,] _normal;
        private readonly decimal[] _beta;
        private readonly decimal _variance;
        private readonly decimal _persistence;
        private decimal _calibration = 1m;

        private Model(Features features, decimal[,] normal, decimal[] beta, decimal variance, decimal persistence, int days)
        {
            Features = features;
            _normal = normal;
            _beta = beta;
            _variance = variance;
            _persistence = persistence;
            Days = days;
        }

        public Features Features { get; }

        /// <summary>The factor the interval is widened by, from the history's own forecast errors (at least 1).</summary>
        public decimal Calibration => _calibration;

        internal Model Calibrated(decimal factor)
        {
            _calibration = factor;
            return this;
        }

        /// <summary>Days the model was fitted on.</summary>
        public int Days { get; }

        internal static Model? TryFit(Features features, IReadOnlyList<DateOnly> days, IReadOnlyList<decimal> series)
        {
            var p = features.Count;
            if (days.Count <= p)
            {
                return null;
            }

            var normal = new decimal[p, p];
            var xty = new decimal[p];
            var rows = days.Select(features.Row).ToList();
            for (var r = 0; r < rows.Count; r++)
            {
                for (var i = 0; i < p; i++)
                {
                    xty[i] += rows[r][i] * series[r];
                    for (var j = 0; j < p; j++)
                    {
                        normal[i, j] += rows[r][i] * rows[r][j];
                    }
                }
            }

            if (Solve(normal, xty) is not { } beta)
            {
                return null;
            }

            var residuals = rows.Select((row, r) => series[r] - Dot(row, beta)).ToList();
            var rss = residuals.Sum(e => e * e);
            var lagged = 0m;
            for (var r = 1; r < residuals.Count; r++)
            {
                lagged += residuals[r] * residuals[r - 1];
            }

            // Costs drift: a day's error tends to repeat the next days'. A sum of h errors then varies more than h
            // independent ones: (1 + rho) / (1 - rho) times with lag-1 autocorrelation rho (an AR(1) approximation), or
            // as much more as the errors' weekly sums vary beyond 7 days' worth of independent errors (level shifts
            // within the window). The larger of the two widens the interval.
            var variance = rss / (rows.Count - p);
            var rho = rss == 0m ? 0m : Math.Clamp(lagged / rss, 0m, 0.9m);
            var weeks = new List<decimal>();
            for (var end = residuals.Count; end >= 7; end -= 7)
            {
                weeks.Add(residuals.Skip(end - 7).Take(7).Sum());
            }

            var weekly = weeks.Count >= 4 && variance > 0m ? weeks.Sum(w => w * w) / (weeks.Count - 1) / (7 * variance) : 1m;
            return new Model(features, normal, beta, variance, Math.Max((1 + rho) / (1 - rho), weekly), rows.Count);
        }

        /// <summary>The forecast of the sum over <paramref name="from"/>..<paramref name="to"/>; zero for an empty range.</summary>
        public ForecastAmount Sum(DateOnly from, DateOnly to)
        {
            if (to < from)
            {
                return new ForecastAmount(0m, 0m, 0m);
            }

            var a = new decimal[Features.Count];
            var h = 0;
            for (var day = from; day <= to; day = day.AddDays(1), h++)
            {
                var row = Features.Row(day);
                for (var i = 0; i < a.Length; i++)
                {
                    a[i] += row[i];
                }
            }

            var point = Dot(a, _beta);
            var leverage = Dot(a, Solve(_normal, a)!);
            var spread = Z80 * _calibration * Sqrt(_variance * ((h * _persistence) + leverage));
            return new ForecastAmount(Round(point), Round(point - spread), Round(point + spread));
        }
    }

    private static decimal Round(decimal value) => decimal.Round(value, 2, MidpointRounding.AwayFromZero);

    private static decimal Dot(decimal[] a, decimal[] b)
    {
        var sum = 0m;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Solves <c>A x = b</c> by Gaussian elimination with partial pivoting; null when A is (nearly) singular.</summary>
    private static decimal[]? Solve(decimal[,] matrix, decimal[] vector)
    {
        var n = vector.Length;
        var a = (decimal[,])matrix.Clone();
        var b = (decimal[])vector.Clone();
        var scale = 0m;
        foreach (var value in a)
        {
            scale = Math.Max(scale, Math.Abs(value));
        }

        for (var column = 0; column < n; column++)
        {
            var pivot = column;
            for (var r = column + 1; r < n; r++)
            {
                if (Math.Abs(a[r, column]) > Math.Abs(a[pivot, column]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, column]) <= scale * 1e-12m)
            {
                return null;
            }

            if (pivot != column)
            {
                for (var c = 0; c < n; c++)
                {
                    (a[column, c], a[pivot, c]) = (a[pivot, c], a[column, c]);
                }

                (b[column], b[pivot]) = (b[pivot], b[column]);
            }

            for (var r = column + 1; r < n; r++)
            {
                var factor = a[r, column] / a[column, column];
                for (var c = column; c < n; c++)
                {
                    a[r, c] -= factor * a[column, c];
                }

                b[r] -= factor * b[column];
            }
        }

        var x = new decimal[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = b[r];
            for (var c = r + 1; c < n; c++)
            {
                sum -= a[r, c] * x[c];
            }

            x[r] = sum / a[r, r];
        }

        return x;
    }

    /// <summary>The square root of a non-negative decimal (Newton's method from the double estimate).</summary>
    private static decimal Sqrt(decimal value)
    {
        if (value <= 0m)
        {
            return 0m;
        }

        var x = (decimal)Math.Sqrt((double)value);
        for (var i = 0; i < 4 && x > 0m; i++)
        {
            x = (x + (value / x)) / 2m;
        }

        return x;
    }
}
