using System.Globalization;

namespace DigiUsher.Console.Costs;

/// <summary>
/// The dashboard's month and what it is compared with: the current month runs to today and is
/// compared with the same days of the previous month; a past month is compared whole with the one before.
/// </summary>
public sealed record DashboardPeriod(DateOnly From, DateOnly To, DateOnly PreviousFrom, DateOnly PreviousTo, bool IsCurrentMonth)
{
    public string Month => From.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public string Title => IsCurrentMonth
        ? $"{From.ToString("MMMM yyyy", CultureInfo.InvariantCulture)}, month to date ({From:MMM d}–{To:MMM d})"
        : From.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    public string ComparedWith => IsCurrentMonth
        ? $"the same days of {PreviousFrom.ToString("MMMM", CultureInfo.InvariantCulture)} ({PreviousFrom:MMM d}–{PreviousTo:MMM d})"
        : PreviousFrom.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    public static DashboardPeriod For(DateOnly monthStart, DateOnly today)
    {
        monthStart = new DateOnly(monthStart.Year, monthStart.Month, 1);
        var current = monthStart.Year == today.Year && monthStart.Month == today.Month;
        var to = current ? today : monthStart.AddMonths(1).AddDays(-1);
        var previousFrom = monthStart.AddMonths(-1);
        var previousEnd = monthStart.AddDays(-1);
        var previousTo = current ? new[] { previousFrom.AddDays(today.Day - 1), previousEnd }.Min() : previousEnd;
        return new DashboardPeriod(monthStart, to, previousFrom, previousTo, current);
    }

    /// <summary>
    /// The month to show: the one asked for, else the current month when it has an import, else the
    /// newest imported month (a new account's first import is usually last month's report).
    /// </summary>
    public static DateOnly ChooseMonth(string? asked, IEnumerable<string> importedMonths, DateOnly today)
    {
        if (asked is not null && DateOnly.TryParseExact(asked + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return month;
        }

        var currentMonth = new DateOnly(today.Year, today.Month, 1);
        var months = importedMonths.Select(m => DateOnly.TryParseExact(m + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : (DateOnly?)null)
            .OfType<DateOnly>().Where(d => d <= currentMonth).ToList();
        return months.Contains(currentMonth) || months.Count == 0 ? currentMonth : months.Max();
    }
}
