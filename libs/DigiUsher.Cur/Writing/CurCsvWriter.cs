using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace DigiUsher.Cur.Writing;

/// <summary>
/// Writes a CUR CSV file as AWS does: the header, then one line per line item, cells separated by commas
/// and quoted (RFC 4180) only when they hold a comma, a quote or a line break, lines ended by <c>\n</c>,
/// UTF-8 without a byte order mark, gzip for <c>.csv.gz</c>. CUR 2.0 exports write their map columns as
/// JSON objects (<see cref="MapCell"/>). DigiUsher only reads CUR; the demo, the tests and the benchmark
/// write their files with this, so they all write what the readers read.
/// </summary>
public sealed class CurCsvWriter : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly TextWriter _text;

    /// <summary>Writes to <paramref name="text"/>, starting with <paramref name="header"/>.</summary>
    public CurCsvWriter(TextWriter text, IEnumerable<string> header)
    {
        _text = text;
        WriteRow([.. header]);
    }

    /// <summary>A writer of a <c>.csv.gz</c> file to <paramref name="output"/> (closed with the writer unless <paramref name="leaveOpen"/>).</summary>
    public static CurCsvWriter Gzip(Stream output, IEnumerable<string> header, bool leaveOpen = false) =>
        new(new StreamWriter(new GZipStream(output, CompressionLevel.Fastest, leaveOpen), Utf8, 1 << 16), header);

    /// <summary>A whole <c>.csv.gz</c> file in memory.</summary>
    public static byte[] GzipBytes(IEnumerable<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        using var buffer = new MemoryStream();
        using (var writer = Gzip(buffer, header, leaveOpen: true))
        {
            foreach (var row in rows)
            {
                writer.WriteRow(row);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>One line item's cells, in header order.</summary>
    public void WriteRow(IReadOnlyList<string> cells)
    {
        WriteCells(_text, cells);
        _text.Write('\n');
    }

    /// <summary>One line as it is written, without its line end (for tests that write hand-made lines around it).</summary>
    public static string Line(IReadOnlyList<string> cells)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteCells(text, cells);
        return text.ToString();
    }

    /// <summary>One cell, quoted only when it holds a comma, a quote or a line break (quotes doubled).</summary>
    public static void WriteCell(TextWriter text, string cell)
    {
        if (cell.AsSpan().IndexOfAny(',', '"', '\n') >= 0)
        {
            text.Write('"');
            text.Write(cell.Replace("\"", "\"\"", StringComparison.Ordinal));
            text.Write('"');
        }
        else
        {
            text.Write(cell);
        }
    }

    /// <summary>
    /// A CUR 2.0 map column's cell in a CSV export: a JSON object of its entries, <c>{}</c> when empty, quotes
    /// escaped as <c>\"</c> (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html).
    /// </summary>
    public static string MapCell(IEnumerable<KeyValuePair<string, string>> map)
    {
        var json = new StringBuilder("{");
        foreach (var (key, value) in map)
        {
            json.Append(json.Length == 1 ? string.Empty : ",");
            AppendJsonString(json, key);
            json.Append(':');
            AppendJsonString(json, value);
        }

        return json.Append('}').ToString();
    }

    public void Dispose() => _text.Dispose();

    private static void WriteCells(TextWriter text, IReadOnlyList<string> cells)
    {
        for (var c = 0; c < cells.Count; c++)
        {
            if (c > 0)
            {
                text.Write(',');
            }

            WriteCell(text, cells[c]);
        }
    }

    private static void AppendJsonString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case < ' ': json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: json.Append(c); break;
            }
        }

        json.Append('"');
    }
}
