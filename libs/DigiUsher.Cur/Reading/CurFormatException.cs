namespace DigiUsher.Cur.Reading;

/// <summary>
/// The file cannot be imported as it is (bad header, bad value, hostile content). Permanent: reading
/// it again gives the same answer. <see cref="File"/> and <see cref="Row"/> say where.
/// </summary>
public sealed class CurFormatException : Exception
{
    public CurFormatException(string reason, string? file = null, long? row = null, Exception? inner = null)
        : base(Describe(reason, file, row), inner)
    {
        Reason = reason;
        File = file;
        Row = row;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    public string? File { get; }

    /// <summary>1-based data row, where known.</summary>
    public long? Row { get; }

    /// <summary>The same problem, located in <paramref name="file"/> (and <paramref name="row"/> when not yet known).</summary>
    public CurFormatException At(string file, long? row) => new(Reason, file, Row ?? row, InnerException);

    private static string Describe(string reason, string? file, long? row) =>
        (file, row) switch
        {
            (null, null) => reason,
            (not null, null) => $"{file}: {reason}",
            (null, not null) => $"row {row}: {reason}",
            _ => $"{file}, row {row}: {reason}",
        };
}
