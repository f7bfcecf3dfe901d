using System.Globalization;

namespace DigiUsher.Cur;

/// <summary>A CUR billing period: one calendar month, written <c>yyyy-MM</c>.</summary>
public readonly record struct BillingPeriod(int Year, int Month) : IComparable<BillingPeriod>
{
    public DateOnly Start => new(Year, Month, 1);

    /// <summary>Exclusive end: the first day of the next month (as in CUR period folders).</summary>
    public DateOnly End => Start.AddMonths(1);

    public static BillingPeriod Of(DateOnly day) => new(day.Year, day.Month);

    public static bool TryParse(string? text, out BillingPeriod period)
    {
        period = default;
        if (text is null || !DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return false;
        }

        period = Of(day);
        return true;
    }

    public BillingPeriod AddMonths(int months) => Of(Start.AddMonths(months));

    public int CompareTo(BillingPeriod other) => Start.CompareTo(other.Start);

    public override string ToString() => $"{Year:D4}-{Month:D2}";
}
