using System.Globalization;
using Microsoft.Extensions.Primitives;

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
            throw new BadQueryException("from", $"from ({from:yyyy-MM-dd}) is after to ({to:yyyy-MM-dd}).");
        }

        if (to >= from.AddMonths(options.MaxRangeMonths))
        {
            throw new BadQueryException("to", $"The range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is longer than {options.MaxRangeMonths} months; split it.");
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
            : throw new BadQueryException(name, $"'{text}' is not a date (yyyy-MM-dd).");
    }

    public static Guid? Guid(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return System.Guid.TryParse(text, out var id) ? id : throw new BadQueryException(name, $"'{text}' is not a valid id (a UUID).");
    }

    public static bool? Bool(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return bool.TryParse(text, out var value) ? value : throw new BadQueryException(name, $"'{text}' is not true or false.");
    }

    public static int Limit(IQueryCollection query, ApiOptions options)
    {
        var text = Single(query, "limit");
        if (text is null)
        {
            return options.DefaultPageSize;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= options.MaxPageSize
            ? limit
            : throw new BadQueryException("limit", $"limit must be a whole number from 1 to {options.MaxPageSize}.");
    }

    /// <summary>All values of a parameter, repeated or comma-separated, trimmed.</summary>
    public static IReadOnlyList<string> Values(StringValues values) =>
        values.SelectMany(v => (v ?? string.Empty).Split(',')).Select(v => v.Trim()).ToList();

    public static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw new BadQueryException(name, $"{name} may be given once.");
        }

        return values[0]!.Trim();
    }
}
