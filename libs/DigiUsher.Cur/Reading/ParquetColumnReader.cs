using Parquet;
using Parquet.Schema;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// Reads one flat column chunk of a row group as nullable values, through Parquet.Net's raw API and
/// buffers this reader owns (reused from one row group to the next).
/// </summary>
/// <remarks>
/// Never use Parquet.Net 6.1.0's nullable <c>ReadAsync&lt;T&gt;(field, Memory&lt;T?&gt;)</c> (nor its
/// <c>string</c> overload): it rents a definition-level buffer from the shared <c>ArrayPool</c>, which
/// <c>ReadRawAsync</c> leaves untouched for a required column (<c>MaxDefinitionLevel</c> 0, as in AWS's
/// CUR Parquet files), and then takes whatever a previous renter left there as null markers. Sequential
/// reads usually found harmless leftovers; two imports in one process (or tests running in parallel)
/// turned values into nulls (an empty usage start date, amortized totals off by a few dollars).
/// Here a required column has no definition levels at all, and an optional column's levels are
/// checked to have been written.
/// </remarks>
public sealed class ParquetColumnReader<T>
    where T : struct
{
    private T[] _packed = [];
    private int[] _definitions = [];

    // Per row, the index of its value in _packed, or -1 for null; unused while every row has a value.
    private int[] _index = [];
    private bool _required;
    private bool _absent;

    /// <summary>
    /// Reads the column chunk keeping only the packed values and, per row, where its value is (an int,
    /// not a second nullable copy of every value): a row group's columns are what an import holds in memory.
    /// </summary>
    public async ValueTask LoadAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        if (field.MaxRepetitionLevel > 0)
        {
            throw new CurFormatException($"column {field.Name}: repeated values where one value per row was expected");
        }

        _absent = false;
        var levels = Math.Max(rows, checked((int)(group.GetMetadata(field)?.MetaData?.NumValues ?? rows)));
        if (_packed.Length < levels)
        {
            _packed = new T[levels];
        }

        _required = field.MaxDefinitionLevel == 0;
        if (_required)
        {
            await group.ReadRawAsync<T>(field, _packed.AsMemory(0, levels), null, null, cancellationToken);
            return;
        }

        if (_definitions.Length < levels)
        {
            _definitions = new int[levels];
        }

        if (_index.Length < rows)
        {
            _index = new int[rows];
        }

        _definitions.AsSpan(0, levels).Fill(-1);
        await group.ReadRawAsync<T>(field, _packed.AsMemory(0, levels), _definitions.AsMemory(0, levels), null, cancellationToken);
        var max = field.MaxDefinitionLevel;
        var next = 0;
        for (var i = 0; i < rows; i++)
        {
            var level = _definitions[i];
            if (level < 0)
            {
                throw new CurFormatException($"column {field.Name}: the file gives fewer values than its row group's {rows} rows");
            }

            _index[i] = level >= max ? next++ : -1;
        }
    }

    /// <summary>The row group has no chunk of this column: every row is null.</summary>
    public void SetAbsent() => _absent = true;

    /// <summary>The value of <paramref name="row"/> of the loaded chunk; false when it is null.</summary>
    public bool TryGet(int row, out T value)
    {
        if (_absent)
        {
            value = default;
            return false;
        }

        var index = _required ? row : _index[row];
        if (index < 0)
        {
            value = default;
            return false;
        }

        value = _packed[index];
        return true;
    }

    /// <summary>Fills <paramref name="target"/>[0..rows) with the column's values, null where undefined.</summary>
    public async ValueTask ReadAsync(ParquetRowGroupReader group, DataField field, T?[] target, int rows, CancellationToken cancellationToken)
    {
        await LoadAsync(group, field, rows, cancellationToken);
        for (var i = 0; i < rows; i++)
        {
            target[i] = TryGet(i, out var value) ? value : null;
        }
    }

    /// <summary>Drops the references the packed values hold (strings point into the row group's pages).</summary>
    public void Release()
    {
        if (System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            Array.Clear(_packed);
        }
    }
}

/// <summary>One-off column reads (a status file, test sums) with the same safe path as the importer.</summary>
public static class ParquetColumnReader
{
    /// <summary>The whole column of one row group as nullable values.</summary>
    public static async Task<T?[]> ReadAsync<T>(ParquetRowGroupReader group, DataField field, CancellationToken cancellationToken = default)
        where T : struct
    {
        var rows = checked((int)group.RowCount);
        var values = new T?[rows];
        await new ParquetColumnReader<T>().ReadAsync(group, field, values, rows, cancellationToken);
        return values;
    }

    /// <summary>The whole string column of one row group, null where undefined.</summary>
    public static async Task<string?[]> ReadStringsAsync(ParquetRowGroupReader group, DataField field, CancellationToken cancellationToken = default)
    {
        var values = await ReadAsync<ReadOnlyMemory<char>>(group, field, cancellationToken);
        return [.. values.Select(v => v?.ToString())];
    }
}
