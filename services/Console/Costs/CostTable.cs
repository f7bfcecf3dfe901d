using System.Globalization;
using System.Text;
using DigiUsher.Console.Apis;

using DigiUsher.Client.Query;

namespace DigiUsher.Console.Costs;

/// <summary>One row of a cost table: the group's keys as shown, its currency and amount.</summary>
public sealed record CostRow(IReadOnlyList<string> Keys, string Currency, decimal Amount);

/// <summary>
/// The rows the cost explorer shows, and the CSV of exactly those rows (same order, same labels,
/// amounts unrounded).
/// </summary>
public sealed record CostTable(IReadOnlyList<string> Columns, string Metric, IReadOnlyList<CostRow> Rows, IReadOnlyList<CurrencyAmount> Totals)
{
    public static CostTable From(CostsResponse costs) => new(
        [.. costs.GroupBy.Select(CostQuery.Label)],
        costs.Metric,
        [.. costs.Items.Select(g => new CostRow([.. costs.GroupBy.Select(d => KeyLabel(d, g.Keys.TryGetValue(d, out var k) ? k : ""))], g.Currency, g.Amount))],
        costs.Totals);

    /// <summary>How an empty key reads: "(untagged)" for a tag, "(none)" otherwise (a line without resource, owner ...).</summary>
    public static string KeyLabel(string dimension, string key) =>
        key.Length > 0 ? key : dimension.StartsWith("tag:", StringComparison.Ordinal) ? "(untagged)" : "(none)";

    public string ToCsv()
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', Columns.Append("Currency").Append(CostQuery.MetricLabel(Metric)).Select(Cell)).Append("\r\n");
        foreach (var row in Rows)
        {
            csv.AppendJoin(',', row.Keys.Append(row.Currency).Select(Cell)).Append(',').Append(row.Amount.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        return csv.ToString();
    }

    /// <summary>RFC 4180 quoting; a cell starting with = + - @ gets a leading ' so a spreadsheet shows it instead of running it.</summary>
    private static string Cell(string text)
    {
        var safe = text.Length > 0 && text[0] is '=' or '+' or '-' or '@' ? "'" + text : text;
        return safe.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{safe.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : safe;
    }
}
