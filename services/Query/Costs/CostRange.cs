using System.Globalization;

namespace DigiUsher.Query.Costs;

/// <summary>The time buckets of a cost answer.</summary>
public enum CostGranularity
{
    Hour,
    Day,
    Week,
    Month,
    Total,
}

/// <summary>A range of usage days, both ends included (UTC).</summary>
public sealed record CostRange(DateOnly From, DateOnly To)
{
    /// <summary>The relative windows, by name.</summary>
    public static readonly IReadOnlyList<string> WindowNames = ["mtd", "lastMonth", "last30Days"];

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>
    /// A relative window on <paramref name="today"/>: <c>mtd</c> the current month up to today,
    /// <c>lastMonth</c> the previous calendar month, <c>last30Days</c> the 30 days before today (today's
    /// costs are still arriving). Null for an unknown name.
    /// </summary>
    public static CostRange? Window(string name, DateOnly today)
    {
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        return name switch
        {
            "mtd" => new CostRange(monthStart, today),
            "lastMonth" => new CostRange(monthStart.AddMonths(-1), monthStart.AddDays(-1)),
            "last30Days" => new CostRange(today.AddDays(-30), today.AddDays(-1)),
            _ => null,
        };
    }

    /// <summary>
    /// The period a comparison reads: whole calendar months give the same number of months before
    /// (January against December); a range from a month's first day within that month gives the same
    /// days of the previous month (month to date against the same days last month, clipped to its end);
    /// any other range gives the same number of days just before it.
    /// </summary>
    public CostRange Previous()
    {
        if (From.Day == 1 && To.AddDays(1).Day == 1)
        {
            var months = (To.Year * 12 + To.Month) - (From.Year * 12 + From.Month) + 1;
            return new CostRange(From.AddMonths(-months), From.AddDays(-1));
        }

        if (From.Day == 1 && To.Year == From.Year && To.Month == From.Month)
        {
            var start = From.AddMonths(-1);
            var end = start.AddDays(Math.Min(To.Day, DateTime.DaysInMonth(start.Year, start.Month)) - 1);
            return new CostRange(start, end);
        }

        return new CostRange(From.AddDays(-Days), From.AddDays(-1));
    }

    /// <summary>The number of buckets of <paramref name="granularity"/> the range spans.</summary>
    public int Buckets(CostGranularity granularity) => granularity switch
    {
        CostGranularity.Hour => Days * 24,
        CostGranularity.Day => Days,
        CostGranularity.Week => ((WeekStart(To).DayNumber - WeekStart(From).DayNumber) / 7) + 1,
        CostGranularity.Month => MonthIndex(To) - MonthIndex(From) + 1,
        _ => 1,
    };

    /// <summary>
    /// The label of bucket <paramref name="index"/>: the hour (ISO 8601, UTC), the day, the first day of
    /// the week within the range (weeks start on Monday), the month (<c>yyyy-MM</c>); null for total.
    /// </summary>
    public string? Label(CostGranularity granularity, int index) => granularity switch
    {
        CostGranularity.Hour => From.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(index).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        CostGranularity.Day => Text(From.AddDays(index)),
        CostGranularity.Week => Text(Max(WeekStart(From).AddDays(7 * index), From)),
        CostGranularity.Month => From.AddMonths(index).ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => null,
    };

    public static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    public static int MonthIndex(DateOnly day) => (day.Year * 12) + day.Month - 1;

    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
