using System.Globalization;
using DigiUsher.ServiceDefaults.Hosting;

namespace DigiUsher.ServiceDefaults.Api;

/// <summary>
/// The positions lists page by, carried by <see cref="CursorCodec"/> (one cursor format for every list):
/// an offset into a query's ordered result, or a keyset (creation instant and id).
/// </summary>
public static class PageCursors
{
    public static string EncodeOffset(this CursorCodec codec, long offset, string query) =>
        codec.Encode(offset.ToString(CultureInfo.InvariantCulture), query);

    /// <summary>The offset a cursor points at (0 without a cursor).</summary>
    /// <exception cref="BadParameterException">The cursor is malformed, altered, or of another query.</exception>
    public static long DecodeOffset(this CursorCodec codec, string? cursor, string query) =>
        string.IsNullOrEmpty(cursor) ? 0
        : long.TryParse(Position(codec, cursor, query), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset
        : throw Malformed();

    public static string EncodeAfter(this CursorCodec codec, DateTimeOffset createdAt, Guid id, string query) =>
        codec.Encode(string.Create(CultureInfo.InvariantCulture, $"{createdAt.UtcTicks}:{id}"), query);

    /// <summary>The (creation instant, id) a keyset cursor continues after (null without a cursor).</summary>
    /// <exception cref="BadParameterException">The cursor is malformed, altered, or of another query.</exception>
    public static (DateTimeOffset CreatedAt, Guid Id)? DecodeAfter(this CursorCodec codec, string? cursor, string query)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        return Position(codec, cursor, query).Split(':') is [var ticksText, var idText]
            && long.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks is > 0 and < 3155378975999999999 && Guid.TryParse(idText, out var id)
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : throw Malformed();
    }

    private static string Position(CursorCodec codec, string cursor, string query)
    {
        var reading = codec.Decode(cursor, query);
        return reading.Problem switch
        {
            CursorProblem.Malformed => throw Malformed(),
            CursorProblem.Altered => throw new BadParameterException("cursor", "The cursor is not valid (altered or issued by another deployment)."),
            CursorProblem.OtherQuery => throw new BadParameterException("cursor", "The cursor belongs to a different query; repeat the same parameters with it."),
            _ => reading.Position!,
        };
    }

    private static BadParameterException Malformed() =>
        new("cursor", "The cursor is malformed; pass nextCursor exactly as a previous page returned it.");
}

/// <summary>Reads the page parameters (<c>limit</c>, <c>cursor</c>) of a list.</summary>
public static class PageParameters
{
    /// <summary>The page size: <c>limit</c> if given (1..<paramref name="maximum"/>), else <paramref name="defaultSize"/>.</summary>
    /// <exception cref="BadParameterException">Not a whole number in range, or given twice.</exception>
    public static int Limit(Microsoft.AspNetCore.Http.IQueryCollection query, int defaultSize, int maximum)
    {
        var text = Single(query, "limit");
        if (text is null)
        {
            return defaultSize;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= maximum
            ? limit
            : throw new BadParameterException("limit", $"limit must be a whole number from 1 to {maximum}.");
    }

    /// <summary>A parameter given at most once, trimmed; null when absent or blank.</summary>
    /// <exception cref="BadParameterException">Given more than once.</exception>
    public static string? Single(Microsoft.AspNetCore.Http.IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return null;
        }

        return values.Count > 1 ? throw new BadParameterException(name, $"{name} may be given once.") : values[0]!.Trim();
    }
}
