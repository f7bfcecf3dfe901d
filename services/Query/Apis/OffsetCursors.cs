using System.Globalization;
using DigiUsher.ServiceDefaults.Hosting;

namespace DigiUsher.Query.Apis;

/// <summary>Query's pages are offsets into a query's ordered result, carried by <see cref="CursorCodec"/>.</summary>
public static class OffsetCursors
{
    public static string EncodeOffset(this CursorCodec codec, long offset, string queryFingerprint) =>
        codec.Encode(offset.ToString(CultureInfo.InvariantCulture), queryFingerprint);

    /// <summary>The offset a cursor points at (0 without a cursor).</summary>
    /// <exception cref="BadQueryException">The cursor is malformed, tampered with, or of another query.</exception>
    public static long DecodeOffset(this CursorCodec codec, string? cursor, string queryFingerprint)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        var reading = codec.Decode(cursor, queryFingerprint);
        return reading.Problem switch
        {
            CursorProblem.Malformed => throw new BadQueryException("cursor", "The cursor is malformed; pass nextCursor exactly as a previous page returned it."),
            CursorProblem.Altered => throw new BadQueryException("cursor", "The cursor is not valid (altered or issued by another deployment)."),
            CursorProblem.OtherQuery => throw new BadQueryException("cursor", "The cursor belongs to a different query; repeat the same parameters with it."),
            _ when long.TryParse(reading.Position, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) => offset,
            _ => throw new BadQueryException("cursor", "The cursor is malformed."),
        };
    }
}
