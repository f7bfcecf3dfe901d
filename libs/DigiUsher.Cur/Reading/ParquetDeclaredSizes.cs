using System.Buffers.Binary;
using Parquet.Meta;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// What a Parquet file says about itself, checked against the file's real length before anything is
/// allocated from it: a tenant writes the footer, and a footer that declares 2^40 values or a 4 GB
/// footer would otherwise size the reader's buffers. The footer's length is checked before Parquet.Net
/// reads it; the row groups and column chunks it declares, before any row group is opened.
/// (Layout: https://parquet.apache.org/docs/file-format/.)
/// </summary>
public static class ParquetDeclaredSizes
{
    /// <summary>A CUR footer holds a few hundred columns per row group: tens of KB to a few MB.</summary>
    public const long MaxFooterBytes = 64L << 20;

    /// <summary>
    /// No column chunk of a CUR stores more values than this per byte of the whole file: a run-length
    /// encoded column of nulls or one repeated value costs a few bits per thousand values, but the
    /// file's other columns (line item ids, amounts) cost bytes for every row.
    /// </summary>
    public const long MaxValuesPerFileByte = 64;

    /// <summary>"PAR1", a footer of the length it declares, that length (4 bytes) and "PAR1" again.</summary>
    public static async Task CheckFooterAsync(Stream seekable, string file, CancellationToken cancellationToken)
    {
        var length = seekable.Length;
        if (length < 12)
        {
            throw new CurFormatException($"not a Parquet file: {length} bytes, fewer than its two magic numbers and footer length", file);
        }

        var tail = new byte[8];
        seekable.Seek(-8, SeekOrigin.End);
        await seekable.ReadExactlyAsync(tail, cancellationToken);
        seekable.Position = 0;
        var footer = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footer > length - 12 || footer > MaxFooterBytes)
        {
            throw new CurFormatException(
                $"the Parquet footer declares {footer:N0} bytes, more than the file's {length:N0} bytes hold (or the {MaxFooterBytes:N0}-byte limit); refused before reading it", file);
        }
    }

    /// <summary>Every row group's rows and every column chunk's values, bytes and place, against the file's length.</summary>
    public static void CheckMetadata(FileMetaData metadata, long length, string file)
    {
        if (metadata.NumRows < 0 || metadata.NumRows > length)
        {
            throw Declares($"{metadata.NumRows:N0} rows", length, file);
        }

        for (var group = 0; group < (metadata.RowGroups?.Count ?? 0); group++)
        {
            var rowGroup = metadata.RowGroups![group];
            if (rowGroup.NumRows < 0 || rowGroup.NumRows > length || rowGroup.NumRows > int.MaxValue)
            {
                throw Declares($"{rowGroup.NumRows:N0} rows in row group {group}", length, file);
            }

            foreach (var chunk in rowGroup.Columns ?? [])
            {
                if (chunk.MetaData is not { } column)
                {
                    continue;
                }

                var name = string.Join('.', column.PathInSchema ?? []);
                if (column.NumValues < 0 || column.NumValues > MaxValuesPerFileByte * length)
                {
                    throw Declares($"{column.NumValues:N0} values in column {name} of row group {group}", length, file);
                }

                var start = Math.Min(column.DataPageOffset, column.DictionaryPageOffset ?? column.DataPageOffset);
                if (column.TotalCompressedSize < 0 || start < 0 || start + column.TotalCompressedSize > length)
                {
                    throw Declares($"a column chunk {name} of {column.TotalCompressedSize:N0} bytes at offset {start:N0} in row group {group}", length, file);
                }
            }
        }
    }

    private static CurFormatException Declares(string what, long length, string file) =>
        new($"the Parquet footer declares {what}, more than a {length:N0}-byte file can hold; refused before reading any row", file);
}
