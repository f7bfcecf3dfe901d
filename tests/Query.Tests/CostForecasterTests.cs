using DigiUsher.Query.Costs;

namespace DigiUsher.Query.Tests;

/// <summary>The forecast model alone (no database): its fit and how its interval follows the history's errors.</summary>
public class CostForecasterTests
{
    private static readonly DateOnly First = new(2024, 1, 1);

    [Fact]
    public void Fit_WhenTheSeriesIsAStraightLine_ForecastsItsContinuationWithTheModelsOwnInterval()
    {
        var series = Enumerable.Range(0, 90).Select(d => 100m + d + (d % 2 == 0 ? 0.5m : -0.5m)).ToList();

        var model = CostForecaster.Fit(First, series)!;
        var next = model.Sum(First.AddDays(90), First.AddDays(96));

        var expected = Enumerable.Range(90, 7).Sum(d => 100m + d);
        Assert.InRange(next.Amount, expected - 2m, expected + 2m);
        Assert.True(next.Lower < expected && expected < next.Upper, $"{next} misses {expected}");
        Assert.InRange(model.Calibration, 1m, 1.5m);
    }

    [Fact]
    public void Fit_WhenTheHistoryHasLevelShiftsTheModelMissed_WidensTheIntervalToThoseErrors()
    {
        // The same noise, but the level jumps every three weeks: refitted on earlier days, the model misses each jump.
        var noise = Enumerable.Range(0, 90).Select(d => (d * 7919 % 11) - 5m).ToList();
        var steady = noise.Select(n => 1000m + n).ToList();
        var shifting = noise.Select((n, d) => 1000m + (d / 21 % 2 == 0 ? 0m : 300m) + n).ToList();

        var calm = CostForecaster.Fit(First, steady)!;
        var jumpy = CostForecaster.Fit(First, shifting)!;

        Assert.True(jumpy.Calibration > 1.5m, $"calibration {jumpy.Calibration}");
        Assert.True(jumpy.Calibration > calm.Calibration, $"{jumpy.Calibration} vs {calm.Calibration}");
    }

    [Fact]
    public void Fit_WhenFewerDaysThanTheMinimum_IsNull()
    {
        Assert.Null(CostForecaster.Fit(First, [.. Enumerable.Repeat(1m, CostForecaster.MinimumDays - 1)]));
    }
}
