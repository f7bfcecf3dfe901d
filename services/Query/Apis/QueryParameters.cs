using System.Globalization;
using Microsoft.Extensions.Primitives;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>Parsing of the query-string parameters every list endpoint shares, with errors naming the parameter.</summary>
public static class QueryParameters
{
    public static (DateOnly From, DateOnly To) Period(IQueryCollection query, ApiOptions options, DateOnly today)
    {
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var from = Date(query, "from") ?? monthStart;
        var to = Date(query, "to") ?? monthStart.AddMonths(1).AddDays(-1);
        if (from > to)
        {
            throw new BadParameterException("from", $"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd}).");
        }

        if (to >= from.AddMonths(options.MaxRangeMonths))
        {
            throw new BadParameterException("to", $"The range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is longer than {options.MaxRangeMonths} months; split it.");
        }

        return (from, to);
    }

    public static DateOnly? Date(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new BadParameterException(name, $"'{text}' is not a date (yyyy-MM-dd).");
    }

    public static Guid? Guid(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return System.Guid.TryParse(text, out var id) ? id : throw new BadParameterException(name, $"'{text}' is not a valid id (a UUID).");
    }

    public static bool? Bool(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return bool.TryParse(text, out var value) ? value : throw new BadParameterException(name, $"'{text}' is not true or false.");
    }

    public static int Limit(IQueryCollection query, ApiOptions options) => PageParameters.Limit(query, options.DefaultPageSize, options.MaxPageSize);

    /// <summary>All values of a parameter, repeated or comma-separated, trimmed.</summary>
    public static IReadOnlyList<string> Values(StringValues values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(',')).Select(v => v.Trim()).ToList();

    public static string? Single(IQueryCollection query, string name) => PageParameters.Single(query, name);
}
