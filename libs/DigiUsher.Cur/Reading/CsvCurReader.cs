using System.Text;
using System.Text.Json;
using nietras.SeparatedValues;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// Legacy CUR CSV and CUR 2.0 CSV (map columns as JSON text) through Sep, row by row from a
/// decompressed stream: memory is bounded by Sep's buffer, never by the file.
/// </summary>
public sealed class CsvCurReader : CurReader, ICurRowSource
{
    private readonly SepReader _sep;
    private readonly CurSchema _schema;
    private readonly CurNormalizer _normalizer;
    private readonly CurReaderOptions _options;
    private readonly List<string> _warnings;
    private readonly int _headerColumns;
    private readonly InvalidUtf8Counter _invalidUtf8;
    private long _row;
    private bool _reportedShortRow;

    private CsvCurReader(SepReader sep, string file, CurReaderOptions options, InvalidUtf8Counter invalidUtf8)
        : base(file)
    {
        _sep = sep;
        _options = options;
        _invalidUtf8 = invalidUtf8;
        var headers = sep.Header.ColNames;
        _headerColumns = headers.Count;
        if (invalidUtf8.Count > 0 && headers.Any(h => h.Contains(InvalidUtf8Counter.Marker, StringComparison.Ordinal)))
        {
            throw new CurFormatException("the header is not valid UTF-8 text", file, null);
        }

        try
        {
            _schema = CurSchema.Resolve(headers);
        }
        catch (CurFormatException ex)
        {
            throw ex.At(file, null);
        }

        _warnings = [.. _schema.Warnings];
        _normalizer = new CurNormalizer(_schema, options);
    }

    public override CurSchema Schema => _schema;

    public override IReadOnlyList<string> Warnings => _warnings;

    public override bool SawInvoiceId => _normalizer.SawInvoiceId;

    /// <summary>Opens a reader over decompressed CSV text (UTF-8, strictly: bad bytes are an error naming their row, not a replacement character).</summary>
    public static CsvCurReader Open(Stream content, string file, CurReaderOptions options)
    {
        // Sep decodes far ahead of the row it hands out (the header read alone decodes a whole small
        // file), so a throwing decoder would blame the header or a later row. Bad bytes are counted and
        // marked instead, and the first row that carries the mark fails with its own number.
        var invalidUtf8 = new InvalidUtf8Counter();
        var encoding = (Encoding)new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).Clone();
        encoding.DecoderFallback = invalidUtf8;
        var text = new StreamReader(content, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        try
        {
            var sep = Sep.New(',').Reader(o => o with
            {
                Unescape = true,
                // Real reports have rows shorter than the header (koku's test_cur.csv); we read what is there.
                DisableColCountCheck = true,
                DisableFastFloat = true,
            }).From(text);
            if (sep.Header.IsEmpty)
            {
                throw new CurFormatException("the file is empty (no header row)", file);
            }

            return new CsvCurReader(sep, file, options, invalidUtf8);
        }
        catch
        {
            text.Dispose();
            throw;
        }
    }

    public override ValueTask<int> ReadAsync(CurLineItem[] items, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var count = 0;
        try
        {
            while (count < items.Length && _sep.MoveNext())
            {
                _row++;
                var row = _sep.Current;
                Guard(row);
                var item = items[count];
                item.RowNumber = _row;
                _normalizer.Fill(this, item);
                count++;
            }

            if (count == 0 && _invalidUtf8.Count > 0)
            {
                // Bad bytes no row carried (a BOM-switched encoding, a trailing partial sequence).
                throw new CurFormatException("the file is not valid UTF-8 text", File, null);
            }
        }
        catch (CurFormatException ex)
        {
            throw ex.At(File, _row);
        }
        catch (InvalidDataException ex)
        {
            throw new CurFormatException($"malformed CSV: {ex.Message}", File, _row, ex);
        }

        return ValueTask.FromResult(count);
    }

    public ReadOnlySpan<char> Text(int column)
    {
        var row = _sep.Current;
        return column < row.ColCount ? row[column].Span : [];
    }

    public decimal? Decimal(int column) => CurValues.ParseDecimal(Text(column), _schema.NameOf(column));

    public DateTime? Timestamp(int column) => CurValues.ParseTimestamp(Text(column), _schema.NameOf(column));

    public void ReadMap(int column, List<KeyValuePair<string, string>> entries)
    {
        var text = Text(column).Trim();
        if (text.IsEmpty || text is "{}")
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(text.ToString());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CurFormatException($"column {_schema.NameOf(column)}: a map column must hold a JSON object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString() ?? string.Empty,
                    JsonValueKind.Null => string.Empty,
                    _ => property.Value.GetRawText(),
                };
                entries.Add(new(property.Name, value));
            }
        }
        catch (JsonException ex)
        {
            throw new CurFormatException($"column {_schema.NameOf(column)}: not valid JSON ({ex.Message})");
        }
    }

    public override ValueTask DisposeAsync()
    {
        _sep.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Guard(SepReader.Row row)
    {
        var raw = row.Span;
        if (_invalidUtf8.Count > 0 && raw.Contains(InvalidUtf8Counter.Marker))
        {
            throw new CurFormatException($"the row is not valid UTF-8 text (byte sequence {_invalidUtf8.First} is not UTF-8; is the file Latin-1 or another encoding?)");
        }

        if (raw.Length > _options.MaxFieldLength)
        {
            for (var i = 0; i < row.ColCount; i++)
            {
                if (row[i].Span.Length > _options.MaxFieldLength)
                {
                    var name = i < _headerColumns ? _schema.NameOf(i) : $"#{i + 1}";
                    throw new CurFormatException($"column {name}: field longer than {_options.MaxFieldLength} characters (an unterminated quote?)");
                }
            }
        }

        // A quote left open swallows the rest of the file into one field; a valid row has an even number of quotes.
        if (row.LineNumberToExcl - row.LineNumberFrom > 1 && raw.Count('"') % 2 != 0)
        {
            throw new CurFormatException("unterminated quoted field");
        }

        if (row.ColCount != _headerColumns && !_reportedShortRow)
        {
            _reportedShortRow = true;
            _warnings.Add($"row {_row} has {row.ColCount} columns, the header {_headerColumns}; missing cells were read as empty");
        }
    }
}

/// <summary>A UTF-8 decoder fallback that counts invalid byte sequences and marks each with U+FFFD.</summary>
internal sealed class InvalidUtf8Counter : DecoderFallback
{
    public const char Marker = '\uFFFD';

    public long Count { get; private set; }

    /// <summary>The first invalid sequence, as hex (e.g. <c>E9 FF</c>), for the error message.</summary>
    public string? First { get; private set; }

    public override int MaxCharCount => 1;

    public override DecoderFallbackBuffer CreateFallbackBuffer() => new MarkingBuffer(this);

    private void Record(byte[] bytes)
    {
        Count++;
        First ??= Convert.ToHexString(bytes);
    }

    private sealed class MarkingBuffer(InvalidUtf8Counter owner) : DecoderFallbackBuffer
    {
        private int _remaining;

        public override int Remaining => _remaining;

        public override bool Fallback(byte[] bytesUnknown, int index)
        {
            owner.Record(bytesUnknown);
            _remaining = 1;
            return true;
        }

        public override char GetNextChar()
        {
            if (_remaining == 0)
            {
                return '\0';
            }

            _remaining--;
            return Marker;
        }

        public override bool MovePrevious()
        {
            if (_remaining != 0)
            {
                return false;
            }

            _remaining = 1;
            return true;
        }

        public override void Reset() => _remaining = 0;
    }
}
