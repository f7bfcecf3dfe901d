using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// Legacy CUR Parquet and CUR 2.0 Parquet (MAP columns), one row group at a time, reading only the
/// columns the normalizer uses (strings as <see cref="ReadOnlyMemory{T}"/>, doubles converted once).
/// </summary>
public sealed class ParquetCurReader : CurReader, ICurRowSource
{
    /// <summary>Allocations (process-wide) allowed between two row-group-boundary collections.</summary>
    private const long CollectAfterBytes = 64L << 20;

    private readonly ParquetReader _parquet;
    private readonly CurSchema _schema;
    private readonly CurNormalizer _normalizer;
    private readonly Field[] _fields;
    private readonly ColumnBuffer?[] _buffers;
    private readonly Scratch _scratch;
    private int _rowGroup = -1;
    private int _rowInGroup;
    private long _rowsInGroup;
    private long _row;
    private long _allocatedAtCollect;

    private ParquetCurReader(ParquetReader parquet, Stream seekable, string file, CurReaderOptions options)
        : base(file)
    {
        _parquet = parquet;
        _fields = [.. parquet.Schema.Fields];
        try
        {
            _schema = CurSchema.Resolve([.. _fields.Select(f => f.Name)]);
        }
        catch (CurFormatException ex)
        {
            throw ex.At(file, null);
        }

        _normalizer = new CurNormalizer(_schema, options);
        _buffers = new ColumnBuffer?[_fields.Length];
        _scratch = new Scratch(options.StringPoolCapacity, seekable);
        var scratch = _scratch;
        foreach (var column in _schema.UsedColumns())
        {
            _buffers[column] = ColumnBuffer.For(_fields[column], _schema.NameOf(column), scratch);
        }
    }

    public override CurSchema Schema => _schema;

    public override IReadOnlyList<string> Warnings => _schema.Warnings;

    public override bool SawInvoiceId => _normalizer.SawInvoiceId;

    public static async Task<ParquetCurReader> OpenAsync(Stream seekable, string file, CurReaderOptions options, CancellationToken cancellationToken)
    {
        await ParquetDeclaredSizes.CheckFooterAsync(seekable, file, cancellationToken);
        ParquetReader parquet;
        try
        {
            parquet = await ParquetReader.CreateAsync(seekable, new ParquetOptions { TreatByteArrayAsString = true }, leaveStreamOpen: true, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ParquetException or InvalidDataException or NotSupportedException or ArgumentException or OverflowException)
        {
            throw new CurFormatException($"not a readable Parquet file ({ex.Message})", file, null, ex);
        }

        try
        {
            ParquetDeclaredSizes.CheckMetadata(parquet.Metadata!, seekable.Length, file);
            return new ParquetCurReader(parquet, seekable, file, options);
        }
        catch
        {
            await parquet.DisposeAsync();
            throw;
        }
    }

    public override async ValueTask<int> ReadAsync(CurLineItem[] items, CancellationToken cancellationToken)
    {
        var count = 0;
        try
        {
            while (count < items.Length)
            {
                if (_rowInGroup >= _rowsInGroup)
                {
                    if (!await NextRowGroupAsync(cancellationToken))
                    {
                        break;
                    }

                    continue;
                }

                _row++;
                var item = items[count];
                item.RowNumber = _row;
                _normalizer.Fill(this, item);
                _rowInGroup++;
                count++;
            }
        }
        catch (CurFormatException ex)
        {
            throw ex.At(File, _row);
        }
        catch (Exception ex) when (ex is ParquetException or InvalidDataException or IndexOutOfRangeException or NotSupportedException)
        {
            throw new CurFormatException($"corrupt Parquet data ({ex.Message})", File, _row, ex);
        }

        return count;
    }

    public ReadOnlySpan<char> Text(int column) => _buffers[column]!.Text(_rowInGroup);

    public string? PooledText(int column) => _buffers[column]!.PooledText(_rowInGroup);

    public decimal? Decimal(int column) => _buffers[column]!.Decimal(_rowInGroup);

    public DateTime? Timestamp(int column) => _buffers[column]!.Timestamp(_rowInGroup);

    public void ReadMap(int column, List<KeyValuePair<string, string>> entries) => _buffers[column]!.Map(_rowInGroup, entries);

    public override async ValueTask DisposeAsync()
    {
        _scratch.Decoder.Dispose();
        await _parquet.DisposeAsync();
    }

    private async Task<bool> NextRowGroupAsync(CancellationToken cancellationToken)
    {
        _rowGroup++;
        if (_rowGroup >= _parquet.RowGroupCount)
        {
            return false;
        }

        // Drop every reference into the previous row group's decoded strings first: otherwise each column
        // keeps the previous group's character data alive while the next group is decoded (two row
        // groups at a time), and the collection below could not free it.
        foreach (var buffer in _buffers)
        {
            buffer?.Release();
        }

        CollectPreviousRowGroups();

        using var group = _parquet.OpenRowGroupReader(_rowGroup);
        _rowsInGroup = group.RowCount;
        _rowInGroup = 0;
        foreach (var buffer in _buffers)
        {
            if (buffer is not null)
            {
                await buffer.LoadAsync(group, checked((int)group.RowCount), cancellationToken);
            }
        }

        return true;
    }

    /// <summary>
    /// Frees the previous row groups' decoded data before the next group is decoded. Parquet.Net
    /// decodes every column chunk into new buffers (tens of MB per 100k-row group, most of them on the
    /// large object heap), all of which die together at the row-group boundary; left to itself the GC
    /// lets that garbage pile up across many groups before a full collection (its budget grows with
    /// the live heap), so the import's peak grew with the file. One full, blocking collection once at
    /// least <see cref="CollectAfterBytes"/> were allocated since the last one bounds the peak at about
    /// one row group plus that allowance, and costs one collection per row group of this size
    /// (tens of ms against seconds of decoding and COPY); files of small row groups are not collected
    /// per group.
    /// </summary>
    private void CollectPreviousRowGroups()
    {
        if (_rowGroup == 0)
        {
            _allocatedAtCollect = GC.GetTotalAllocatedBytes(precise: false);
        }
        else if (GC.GetTotalAllocatedBytes(precise: false) - _allocatedAtCollect >= CollectAfterBytes)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            _allocatedAtCollect = GC.GetTotalAllocatedBytes(precise: false);
        }
    }

    /// <summary>One column of the current row group, typed as the file stores it.</summary>
    private abstract class ColumnBuffer(string name)
    {
        protected string Name { get; } = name;

        public static ColumnBuffer For(Field field, string name, Scratch scratch) => field switch
        {
            MapField map => new MapBuffer(map, name, scratch),
            DataField data when data.ClrType == typeof(ReadOnlyMemory<char>) || data.ClrType == typeof(string) => new StringBuffer(data, name, scratch),
            DataField data when data.ClrType == typeof(double) => new NumberBuffer<double>(data, name, (v, n) => CurValues.FromDouble(v, n)),
            DataField data when data.ClrType == typeof(float) => new NumberBuffer<float>(data, name, (v, n) => CurValues.FromDouble(v, n)),
            DataField data when data.ClrType == typeof(decimal) => new NumberBuffer<decimal>(data, name, (v, _) => v),
            DataField data when data.ClrType == typeof(long) => new NumberBuffer<long>(data, name, (v, _) => v),
            DataField data when data.ClrType == typeof(int) => new NumberBuffer<int>(data, name, (v, _) => v),
            DataField data when data.ClrType == typeof(DateTime) => new TimestampBuffer(data, name),
            _ => throw new CurFormatException($"column {name}: unsupported Parquet type {(field as DataField)?.ClrType.Name ?? field.SchemaType.ToString()}"),
        };

        public abstract ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken);

        /// <summary>Drops the references into the current row group's data (strings point into its pages).</summary>
        public virtual void Release()
        {
        }

        public virtual ReadOnlySpan<char> Text(int row) => [];

        public virtual string? PooledText(int row) => null;

        public virtual decimal? Decimal(int row) => CurValues.ParseDecimal(Text(row), Name);

        public virtual DateTime? Timestamp(int row) => CurValues.ParseTimestamp(Text(row), Name);

        public virtual void Map(int row, List<KeyValuePair<string, string>> entries) =>
            throw new CurFormatException($"column {Name} is not a MAP column");
    }

    /// <summary>A flat column: its packed values and where each row's is (see <see cref="ParquetColumnReader{T}.LoadAsync"/>).</summary>
    private abstract class FlatBuffer<T>(DataField field, string name) : ColumnBuffer(name)
        where T : struct
    {
        protected ParquetColumnReader<T> Values { get; } = new();

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            if (!group.ColumnExists(field))
            {
                Values.SetAbsent();
                return;
            }

            await Values.LoadAsync(group, field, rows, cancellationToken);
        }

        public override void Release() => Values.Release();
    }

    /// <summary>
    /// Buffers one row group's columns share while they load, one column at a time: the decoded values of a column
    /// are only needed until they are pooled, so a row group holds one set of these, not one per column.
    /// </summary>
    private sealed class Scratch(int poolCapacity, Stream file)
    {
        public int PoolCapacity { get; } = poolCapacity;

        /// <summary>The file's stream, which string chunks are read from by <see cref="Decoder"/> (Parquet.Net seeks it before each read of its own).</summary>
        public Stream File { get; } = file;

        public ParquetStringChunkDecoder Decoder { get; } = new();

        public ParquetColumnReader<ReadOnlyMemory<char>> Strings { get; } = new();

        public ReadOnlyMemory<char>[] Raw = [];
        public int[] Definitions = [];
        public int[] Repetitions = [];
        public string?[] Keys = [];
        public string?[] Values = [];
        public int[] RowStarts = [];
        public char[] Text = new char[512];

        public void EnsureMapSlots(int slots)
        {
            if (Repetitions.Length < slots)
            {
                Raw = new ReadOnlyMemory<char>[slots];
                Definitions = new int[slots];
                Repetitions = new int[slots];
                Keys = new string?[slots];
                Values = new string?[slots];
            }
        }
    }

    /// <summary>
    /// A string column as one pooled, trimmed string per row. Parquet.Net decodes every value of a plain-encoded chunk
    /// into characters of its own (tens of MB per 100k-row group across CUR 2.0's string columns); each is swapped at
    /// once for the column's pooled string (accounts, services, usage types, regions repeat on most rows), so the
    /// decoded characters are garbage before the next column is read and the normalizer does not pool them again.
    /// </summary>
    private sealed class StringBuffer(DataField field, string name, Scratch scratch) : ColumnBuffer(name)
    {
        private readonly StringPool _pool = new(scratch.PoolCapacity);
        private string?[] _values = [];
        private bool _absent;

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            _absent = !group.ColumnExists(field);
            if (_absent)
            {
                return;
            }

            if (_values.Length < rows)
            {
                _values = new string?[rows];
            }

            if (field.MaxRepetitionLevel == 0
                && group.GetMetadata(field)?.MetaData is { } column
                && await scratch.Decoder.TryDecodeAsync(scratch.File, column, Name, field.MaxDefinitionLevel, 0, rows, _values, null, _pool, trim: true, cancellationToken))
            {
                return;
            }

            var decoded = scratch.Strings;
            try
            {
                await decoded.LoadAsync(group, field, rows, cancellationToken);
                string? previous = null;
                for (var i = 0; i < rows; i++)
                {
                    if (!decoded.TryGet(i, out var value))
                    {
                        _values[i] = null;
                        continue;
                    }

                    // Consecutive rows mostly repeat a value (hourly lines of one resource): compare before hashing.
                    var text = value.Span.Trim();
                    if (previous is null || !text.SequenceEqual(previous))
                    {
                        previous = _pool.Get(text);
                    }

                    _values[i] = previous;
                }
            }
            finally
            {
                decoded.Release();
            }
        }

        public override void Release() => Array.Clear(_values);

        public override ReadOnlySpan<char> Text(int row) => _absent ? [] : _values[row];

        public override string? PooledText(int row) => _absent ? string.Empty : _values[row] ?? string.Empty;
    }

    private sealed class NumberBuffer<T>(DataField field, string name, Func<T, string, decimal> convert) : FlatBuffer<T>(field, name)
        where T : struct, IFormattable
    {
        private readonly char[] _text = new char[64];

        public override decimal? Decimal(int row) => Values.TryGet(row, out var value) ? convert(value, Name) : null;

        public override ReadOnlySpan<char> Text(int row)
        {
            if (!Values.TryGet(row, out var value))
            {
                return [];
            }

            var text = value.ToString(null, CultureInfo.InvariantCulture);
            text.CopyTo(_text);
            return _text.AsSpan(0, Math.Min(text.Length, _text.Length));
        }
    }

    private sealed class TimestampBuffer(DataField field, string name) : FlatBuffer<DateTime>(field, name)
    {
        public override DateTime? Timestamp(int row) =>
            Values.TryGet(row, out var value) ? DateTime.SpecifyKind(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value, DateTimeKind.Utc) : null;

        public override decimal? Decimal(int row) => throw new CurFormatException($"column {Name} is a timestamp, not an amount");
    }

    /// <summary>
    /// A Parquet MAP (CUR 2.0 <c>product</c>, <c>resource_tags</c>, <c>cost_category</c>, <c>discount</c>):
    /// keys and values are flat leaf columns; repetition level 0 starts the next row's map. A 100k-row
    /// group of <c>product</c> holds half a million entries, but a month has few distinct maps (one per
    /// product, per tagged resource): each row's map is read at load into one shared <see cref="RowMap"/> per
    /// distinct map, so the row group holds one reference per row, and the slots are scratch shared by every map column.
    /// </summary>
    private sealed class MapBuffer(MapField map, string name, Scratch scratch) : ColumnBuffer(name)
    {
        private const int PoolCapacity = 65_536;

        /// <summary>Distinct maps remembered, and the longest identity remembered (as the normalizer's map caches).</summary>
        private const int MapCapacity = 8_192;
        private const int MaxRememberedLength = 1_024;
        private const int MaxTextLength = 4_096;

        private readonly DataField _key = (DataField)map.Key;
        private readonly DataField _value = (DataField)map.Value;
        private readonly StringPool _keyPool = new(PoolCapacity);
        private readonly StringPool _valuePool = new(PoolCapacity);
        private readonly Dictionary<string, RowMap> _maps = new(StringComparer.Ordinal);
        private readonly List<KeyValuePair<string, string>> _entries = [];
        private RowMap?[] _rows = [];

        public override async ValueTask LoadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            if (_rows.Length < rows)
            {
                _rows = new RowMap?[rows];
            }

            if (!group.ColumnExists(_key))
            {
                Array.Clear(_rows);
                return;
            }

            var levels = checked((int)(group.GetMetadata(_key)?.MetaData?.NumValues ?? throw new CurFormatException($"column {Name}: no column chunk metadata")));
            scratch.EnsureMapSlots(levels + 1);
            if (scratch.RowStarts.Length < rows + 1)
            {
                scratch.RowStarts = new int[rows + 1];
            }

            try
            {
                // Raw reads: non-null values packed, with definition levels telling which slots are present
                // and repetition level 0 starting the next row's map (an empty map is one slot, undefined).
                await ReadSlotsAsync(group, _value, levels, scratch.Values, _valuePool, cancellationToken);
                await ReadSlotsAsync(group, _key, levels, scratch.Keys, _keyPool, cancellationToken);
                var rowStarts = scratch.RowStarts;
                var row = -1;
                for (var i = 0; i < levels; i++)
                {
                    if (scratch.Repetitions[i] == 0)
                    {
                        row++;
                        if (row >= rows)
                        {
                            throw new CurFormatException($"column {Name}: more map rows than the row group holds");
                        }

                        rowStarts[row] = i;
                    }
                    else if (row < 0)
                    {
                        throw new CurFormatException($"column {Name}: the map data does not begin with a row");
                    }
                }

                for (var r = row + 1; r <= rows; r++)
                {
                    rowStarts[r] = levels;
                }

                for (var r = 0; r < rows; r++)
                {
                    _rows[r] = MapOf(rowStarts[r], rowStarts[r + 1]);
                }
            }
            finally
            {
                Array.Clear(scratch.Keys, 0, levels);
                Array.Clear(scratch.Values, 0, levels);
            }
        }

        /// <summary>Reads one leaf column into <paramref name="slots"/> (pooled strings, null where undefined); leaves its repetition levels.</summary>
        private async ValueTask ReadSlotsAsync(ParquetRowGroupReader group, DataField field, int levels, string?[] slots, StringPool pool, CancellationToken cancellationToken)
        {
            if (group.GetMetadata(field)?.MetaData is { } column
                && await scratch.Decoder.TryDecodeAsync(scratch.File, column, Name, field.MaxDefinitionLevel, field.MaxRepetitionLevel, levels, slots, scratch.Repetitions, pool, trim: false, cancellationToken))
            {
                return;
            }

            await group.ReadRawAsync<ReadOnlyMemory<char>>(field, scratch.Raw.AsMemory(0, levels + 1), scratch.Definitions.AsMemory(0, levels + 1), scratch.Repetitions.AsMemory(0, levels + 1), cancellationToken);
            var packed = 0;
            for (var i = 0; i < levels; i++)
            {
                slots[i] = scratch.Definitions[i] >= field.MaxDefinitionLevel ? pool.Get(scratch.Raw[packed++].Span) : null;
            }

            Array.Clear(scratch.Raw, 0, packed);
        }

        /// <summary>
        /// The map of slots [<paramref name="start"/>, <paramref name="end"/>), the same instance for every row with the same
        /// entries while fewer than <see cref="MapCapacity"/> distinct maps were seen.
        /// </summary>
        private RowMap MapOf(int start, int end)
        {
            // The map as one text that identifies it: each key and value preceded by its length, so no two maps share a text.
            var length = 0;
            var identified = true;
            for (var i = start; i < end && identified; i++)
            {
                identified = Append(scratch.Keys[i], ref length) && Append(scratch.Values[i], ref length);
            }

            var text = identified ? scratch.Text.AsSpan(0, length) : [];
            var lookup = _maps.GetAlternateLookup<ReadOnlySpan<char>>();
            if (identified && lookup.TryGetValue(text, out var known))
            {
                return known;
            }

            _entries.Clear();
            for (var i = start; i < end; i++)
            {
                if (scratch.Keys[i] is { Length: > 0 } key)
                {
                    _entries.Add(new(key, scratch.Values[i] ?? string.Empty));
                }
            }

            // Past the bound a map is read again on each row (empty text: "not identified" to the normalizer).
            if (identified && text.Length <= MaxRememberedLength && _maps.Count < MapCapacity)
            {
                var remembered = new RowMap(text.ToString(), [.. _entries]);
                _maps.Add(remembered.Text, remembered);
                return remembered;
            }

            return new RowMap(string.Empty, [.. _entries]);
        }

        public override void Release() => Array.Clear(_rows);

        /// <summary>
        /// The row's map as one text that identifies it (empty, meaning "not identified", for a very large map or past the
        /// bound of remembered maps): the normalizer reads each distinct map once by it, as it does a CSV's JSON text.
        /// </summary>
        public override ReadOnlySpan<char> Text(int row) => _rows[row]?.Text;

        public override void Map(int row, List<KeyValuePair<string, string>> entries)
        {
            if (_rows[row] is { } map)
            {
                entries.AddRange(map.Entries);
            }
        }

        private bool Append(ReadOnlySpan<char> part, ref int length)
        {
            if (length + part.Length + 2 > MaxTextLength)
            {
                return false;
            }

            if (scratch.Text.Length < length + part.Length + 2)
            {
                Array.Resize(ref scratch.Text, MaxTextLength);
            }

            scratch.Text[length++] = (char)(part.Length >> 16);
            scratch.Text[length++] = (char)part.Length;
            part.CopyTo(scratch.Text.AsSpan(length));
            length += part.Length;
            return true;
        }
    }

    /// <summary>One distinct map of a MAP column: its identifying text and its entries (keys non-empty).</summary>
    private sealed record RowMap(string Text, KeyValuePair<string, string>[] Entries);
}
