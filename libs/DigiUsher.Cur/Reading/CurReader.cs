using DigiUsher.Contracts;

namespace DigiUsher.Cur.Reading;

/// <summary>Streams the normalized line items of one CUR data file, batch by batch.</summary>
public abstract class CurReader : IAsyncDisposable
{
    protected CurReader(string file) => File = file;

    /// <summary>The S3 key (or path) read, for messages.</summary>
    public string File { get; }

    public abstract CurSchema Schema { get; }

    /// <summary>Problems that did not stop the import (malformed headers, short rows).</summary>
    public abstract IReadOnlyList<string> Warnings { get; }

    /// <summary>True once a row carried <c>bill/InvoiceId</c>.</summary>
    public abstract bool SawInvoiceId { get; }

    /// <summary>Fills <paramref name="items"/> from the start; returns how many were filled, 0 at the end.</summary>
    /// <exception cref="CurFormatException">The file is bad at a given row.</exception>
    public abstract ValueTask<int> ReadAsync(CurLineItem[] items, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// Opens a CSV reader over a decompressed text stream (legacy CSV and CUR 2.0 CSV alike: the
    /// headers say which) or a Parquet reader over a seekable file stream.
    /// </summary>
    public static async Task<CurReader> OpenAsync(ReportFormat format, Stream content, string file, CurReaderOptions options, CancellationToken cancellationToken) =>
        format switch
        {
            ReportFormat.Parquet or ReportFormat.Cur2Parquet => await ParquetCurReader.OpenAsync(content, file, options, cancellationToken),
            _ => CsvCurReader.Open(content, file, options),
        };
}
