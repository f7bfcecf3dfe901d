using System.Buffers.Binary;
using System.Text;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// Rows in PostgreSQL's binary COPY format, encoded into one reused byte buffer
/// (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): the fields of a row as
/// Postgres's own <c>*_recv</c> functions read them. Npgsql's <c>NpgsqlBinaryImporter</c> writes the
/// same bytes, but through a parameter, a converter lookup and an async state machine per field (and a
/// 48-byte object per decimal): a third of CurParser's CPU at a million rows, taken from the Postgres
/// backend that shares the machine's cores. Pure: no I/O, so every type's encoding has fast tests.
/// </summary>
public sealed class BinaryCopyBuffer
{
    /// <summary>"PGCOPY\n\377\r\n\0", then flags and header-extension length (both 0).</summary>
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Ticks from 0001-01-01 to Postgres's epoch, 2000-01-01 00:00 UTC.</summary>
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    /// <summary>Npgsql's encoding: a .NET string that is not valid UTF-16 is refused, not silently altered.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _bytes;
    private int _length;

    public BinaryCopyBuffer(int capacity = 1 << 16)
    {
        _bytes = new byte[capacity];
    }

    /// <summary>The bytes encoded since the last <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, _length);

    public int Length => _length;

    public void Clear() => _length = 0;

    /// <summary>The stream's header, once before the first row.</summary>
    public void WriteHeader() => Header.CopyTo(Reserve(Header.Length));

    /// <summary>The stream's trailer, once after the last row.</summary>
    public void WriteTrailer() => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);

    public void StartRow(short fields) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), fields);

    public void Null() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    public void Int16(short value)
    {
        var span = Reserve(6);
        BinaryPrimitives.WriteInt32BigEndian(span, 2);
        BinaryPrimitives.WriteInt16BigEndian(span[4..], value);
    }

    public void Int64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    /// <summary>A uuid: its 16 bytes in RFC 4122 (big-endian) order.</summary>
    public void Uuid(Guid value)
    {
        var span = Reserve(20);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        value.TryWriteBytes(span[4..], bigEndian: true, out _);
    }

    /// <summary>
    /// A timestamptz: microseconds since 2000-01-01 UTC, truncated as Npgsql does; <see cref="DateTime.MinValue"/> and
    /// <see cref="DateTime.MaxValue"/> are -infinity and infinity, as Npgsql writes them. Only UTC is accepted (Npgsql's rule
    /// for timestamptz: a local or unspecified time would be stored shifted).
    /// </summary>
    public void TimestampTz(DateTime value)
    {
        if (value.Kind != DateTimeKind.Utc && value != DateTime.MinValue && value != DateTime.MaxValue)
        {
            throw new ArgumentException($"A timestamptz must be UTC; {value:O} is {value.Kind}.", nameof(value));
        }

        var micros = value == DateTime.MinValue ? long.MinValue
            : value == DateTime.MaxValue ? long.MaxValue
            : (value.Ticks - PostgresEpochTicks) / 10;
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], micros);
    }

    /// <summary>A text field in UTF-8 (null is SQL NULL).</summary>
    public void Text(string? value) => Utf8(value, jsonbVersion: false);

    /// <summary>A jsonb field: format version 1, then the JSON text in UTF-8 (null is SQL NULL).</summary>
    public void Jsonb(string? json) => Utf8(json, jsonbVersion: true);

    /// <summary>A numeric field (see <see cref="PgNumericEncoding"/>).</summary>
    public void Numeric(decimal value)
    {
        var span = Reserve(4 + PgNumericEncoding.MaxBytes);
        var written = PgNumericEncoding.Write(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        _length -= PgNumericEncoding.MaxBytes - written;
    }

    /// <summary>A UTF-8 field, after jsonb's version byte (1) when asked; the length counts both.</summary>
    private void Utf8(string? value, bool jsonbVersion)
    {
        if (value is null)
        {
            Null();
            return;
        }

        var prefix = jsonbVersion ? 5 : 4;
        var span = Reserve(prefix + StrictUtf8.GetMaxByteCount(value.Length));
        if (jsonbVersion)
        {
            span[4] = 1;
        }

        var written = StrictUtf8.GetBytes(value, span[prefix..]);
        BinaryPrimitives.WriteInt32BigEndian(span, prefix - 4 + written);
        _length -= span.Length - prefix - written;
    }

    /// <summary>The next <paramref name="bytes"/> bytes, the buffer grown (doubled) when they do not fit.</summary>
    private Span<byte> Reserve(int bytes)
    {
        if (_bytes.Length - _length < bytes)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + bytes));
        }

        var span = _bytes.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }
}
