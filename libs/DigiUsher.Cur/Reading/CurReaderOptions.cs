namespace DigiUsher.Cur.Reading;

/// <summary>Limits that protect an import from hostile or broken files.</summary>
public sealed record CurReaderOptions
{
    /// <summary>Longest accepted field, in characters (CUR 2.0 map columns as JSON are the longest legitimate ones).</summary>
    public int MaxFieldLength { get; init; } = 256 * 1024;

    /// <summary>Largest accepted decompressed/compressed ratio of a gzip or zip file (a "zip bomb" guard); CUR CSVs compress 10-30x.</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>The ratio is enforced once this many bytes were decompressed (tiny files compress oddly).</summary>
    public long CompressionRatioGraceBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Distinct strings kept per column for reuse (account ids, usage types, resource ids, ...).</summary>
    public int StringPoolCapacity { get; init; } = 65_536;

    public static CurReaderOptions Default { get; } = new();
}
