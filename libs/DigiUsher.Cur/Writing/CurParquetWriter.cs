using Parquet;
using Parquet.Schema;

namespace DigiUsher.Cur.Writing;

/// <summary>
/// Writes CUR as Parquet, row by row, in row groups of a fixed size. Legacy Parquet reports have required
/// columns (an empty amount is 0); CUR 2.0 exports have optional ones, with null for an empty value, and
/// their sparse families as MAP columns (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html).
/// Each row sets every column once, in any order, then calls <see cref="EndRowAsync"/>.
/// </summary>
public sealed class CurParquetWriter : IAsyncDisposable
{
    private readonly CurColumn[] _columns;
    private readonly Field[] _fields;
    private readonly bool _optional;
    private readonly int _rowGroupSize;
    private readonly ParquetWriter _writer;
    private readonly List<string?>[] _strings;
    private readonly List<double?>[] _doubles;
    private readonly List<DateTime?>[] _times;
    private readonly MapColumn[] _maps;
    private int _rows;

    private CurParquetWriter(CurColumn[] columns, Field[] fields, bool optional, int rowGroupSize, ParquetWriter writer)
    {
        _columns = columns;
        _fields = fields;
        _optional = optional;
        _rowGroupSize = rowGroupSize;
        _writer = writer;
        _strings = [.. columns.Select(c => c.Kind == CurColumnKind.String ? new List<string?>(rowGroupSize) : [])];
        _doubles = [.. columns.Select(c => c.Kind == CurColumnKind.Double ? new List<double?>(rowGroupSize) : [])];
        _times = [.. columns.Select(c => c.Kind == CurColumnKind.Timestamp ? new List<DateTime?>(rowGroupSize) : [])];
        _maps = [.. columns.Select(_ => new MapColumn())];
    }

    /// <summary>
    /// A writer of <paramref name="columns"/> to <paramref name="output"/>: <paramref name="optional"/> columns as
    /// CUR 2.0 writes them, required ones as legacy Parquet reports do.
    /// </summary>
    public static async Task<CurParquetWriter> CreateAsync(Stream output, IReadOnlyList<CurColumn> columns, bool optional, int rowGroupSize = 100_000)
    {
        var fields = columns.Select<CurColumn, Field>(c => c.Kind switch
        {
            CurColumnKind.Double => optional ? new DataField<double?>(c.Name) : new DataField<double>(c.Name),
            CurColumnKind.Timestamp => optional ? new DataField<DateTime?>(c.Name) : new DataField<DateTime>(c.Name),
            CurColumnKind.Map => new MapField(c.Name, new DataField<string>("key", false), new DataField<string>("value")),
            _ => new DataField<string>(c.Name),
        }).ToArray();
        var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output);
        return new CurParquetWriter([.. columns], fields, optional, rowGroupSize, writer);
    }

    /// <summary>A string cell; an empty one is null in an optional column.</summary>
    public void Set(int column, string? value) => _strings[column].Add(_optional && string.IsNullOrEmpty(value) ? null : value);

    public void Set(int column, double? value) => _doubles[column].Add(value);

    public void Set(int column, DateTime? value) => _times[column].Add(value);

    /// <summary>A map cell (an empty map is written as such, not as null).</summary>
    public void Set(int column, IReadOnlyCollection<KeyValuePair<string, string>> map) => _maps[column].Add(map);

    /// <summary>Ends the row; a full row group is written.</summary>
    public async Task EndRowAsync()
    {
        if (++_rows == _rowGroupSize)
        {
            await FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_rows > 0)
        {
            await FlushAsync();
        }

        await _writer.DisposeAsync();
    }

    private async Task FlushAsync()
    {
        using (var group = _writer.CreateRowGroup())
        {
            for (var c = 0; c < _columns.Length; c++)
            {
                var field = _fields[c];
                switch (_columns[c].Kind)
                {
                    case CurColumnKind.Double when _optional:
                        await group.WriteAsync<double>((DataField)field, _doubles[c].ToArray().AsMemory());
                        break;
                    case CurColumnKind.Double:
                        await group.WriteAsync<double>((DataField)field, _doubles[c].Select(d => d ?? 0).ToArray().AsMemory());
                        break;
                    case CurColumnKind.Timestamp when _optional:
                        await group.WriteAsync<DateTime>((DataField)field, _times[c].ToArray().AsMemory());
                        break;
                    case CurColumnKind.Timestamp:
                        await group.WriteAsync<DateTime>((DataField)field, _times[c].Select(t => t ?? default).ToArray().AsMemory());
                        break;
                    case CurColumnKind.Map:
                        await _maps[c].WriteAsync(group, (MapField)field);
                        break;
                    default:
                        await group.WriteAsync((DataField)field, _strings[c].ToArray());
                        break;
                }

                _strings[c].Clear();
                _doubles[c].Clear();
                _times[c].Clear();
                _maps[c].Clear();
            }
        }

        _rows = 0;
    }

    /// <summary>
    /// One MAP column of a row group as Parquet stores it: flat key and value leaf columns whose repetition
    /// level 0 starts a row; a row with an empty map is one slot defined only up to the map (the key's
    /// maximum definition level less one: the key is required inside the repeated key_value group).
    /// </summary>
    private sealed class MapColumn
    {
        private readonly List<ReadOnlyMemory<char>> _keys = [];
        private readonly List<ReadOnlyMemory<char>> _values = [];
        private readonly List<bool> _empty = [];
        private readonly List<int> _repetitions = [];

        public void Add(IReadOnlyCollection<KeyValuePair<string, string>> map)
        {
            if (map.Count == 0)
            {
                _empty.Add(true);
                _repetitions.Add(0);
                return;
            }

            var first = true;
            foreach (var (key, value) in map)
            {
                _keys.Add(key.AsMemory());
                _values.Add(value.AsMemory());
                _empty.Add(false);
                _repetitions.Add(first ? 0 : 1);
                first = false;
            }
        }

        public async Task WriteAsync(ParquetRowGroupWriter group, MapField field)
        {
            var key = (DataField)field.Key;
            var value = (DataField)field.Value;
            var repetitions = _repetitions.ToArray();
            var keyLevels = _empty.Select(e => e ? key.MaxDefinitionLevel - 1 : key.MaxDefinitionLevel).ToArray();
            var valueLevels = _empty.Select(e => e ? key.MaxDefinitionLevel - 1 : value.MaxDefinitionLevel).ToArray();
            await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(key, _keys.ToArray(), keyLevels, repetitions, CancellationToken.None);
            await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(value, _values.ToArray(), valueLevels, repetitions, CancellationToken.None);
        }

        public void Clear()
        {
            _keys.Clear();
            _values.Clear();
            _empty.Clear();
            _repetitions.Clear();
        }
    }
}
