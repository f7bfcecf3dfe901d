namespace DigiUsher.Cur.Reading;

/// <summary>The cells of the current row of a file, by column index (CSV text or Parquet values).</summary>
public interface ICurRowSource
{
    ReadOnlySpan<char> Text(int column);

    /// <summary>
    /// The cell's trimmed text as a string the source already holds (a Parquet reader decodes each distinct value
    /// of a string column once), or null when the source has none to give and the caller should pool <see cref="Text"/>.
    /// </summary>
    string? PooledText(int column) => null;

    decimal? Decimal(int column);

    DateTime? Timestamp(int column);

    /// <summary>Adds the entries of a CUR 2.0 map column (Parquet MAP, or JSON text in CSV).</summary>
    void ReadMap(int column, List<KeyValuePair<string, string>> entries);
}
