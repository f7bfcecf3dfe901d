using System.Globalization;
using System.Text;
using DigiUsher.Query.Costs;

namespace DigiUsher.Query.Apis;

/// <summary>Cost exports as CSV (RFC 4180), streamed row by row from one snapshot, refused before the first byte when too large.</summary>
public static class CostCsv
{
    /// <summary>Streams the query's groups; a 422 naming the size and the limit when there are more than <see cref="ApiOptions.MaxExportRows"/>.</summary>
    public static async Task<IResult> WriteAsync(
        HttpContext http, CostReader reader, CostQuery query, ApiOptions options, IReadOnlyList<string> header, Func<CostItem, IEnumerable<string>> row,
        CancellationToken cancellationToken)
    {
        StreamWriter? writer = null;
        var line = new StringBuilder();
        try
        {
            var refused = await reader.ExportAsync(query, async () =>
            {
                http.Response.ContentType = "text/csv; charset=utf-8";
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"costs-{query.Range.From:yyyyMMdd}-{query.Range.To:yyyyMMdd}.csv\"";
                writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
                await writer.WriteLineAsync(string.Join(',', header.Select(Cell)));
            }, async item =>
            {
                line.Clear().AppendJoin(',', row(item).Select(Cell));
                await writer!.WriteLineAsync(line, cancellationToken);
            }, cancellationToken);
            if (refused is { } groups)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Export too large",
                    detail: $"The export has {groups:N0} rows, over the limit of {options.MaxExportRows:N0} (Api:MaxExportRows); narrow the range or the filter, or group by fewer dimensions.",
                    extensions: new Dictionary<string, object?> { ["rows"] = groups, ["maxRows"] = options.MaxExportRows });
            }

            return Results.Empty;
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
    }

    /// <summary>The columns of a query export: time, keys, names, currency, metrics, previous amounts and changes.</summary>
    public static IReadOnlyList<string> Header(CostQuery query)
    {
        var columns = new List<string>();
        if (query.Granularity != CostGranularity.Total)
        {
            columns.Add(query.Granularity.ToString().ToLowerInvariant());
        }

        columns.AddRange(query.GroupBy.Select(g => g.Name));
        columns.AddRange(query.GroupBy.Where(Named).Select(g => g.Name + " name"));
        columns.Add("currency");
        foreach (var metric in query.Metrics)
        {
            columns.Add(metric.Name);
            if (query.ComparePrevious && !metric.IsUsage)
            {
                columns.Add("previous " + metric.Name);
                columns.Add("change " + metric.Name);
            }
        }

        return columns;
    }

    public static IEnumerable<string> Row(CostQuery query, CostItem item)
    {
        if (item.Time is { } time)
        {
            yield return time;
        }

        foreach (var dimension in query.GroupBy)
        {
            yield return item.Keys[dimension.Name];
        }

        foreach (var dimension in query.GroupBy.Where(Named))
        {
            yield return item.Names?.GetValueOrDefault(dimension.Name) ?? string.Empty;
        }

        yield return item.Currency;
        foreach (var metric in query.Metrics)
        {
            if (metric.IsUsage)
            {
                // One cell per group: quantities of different units are listed, never added.
                yield return string.Join("; ", item.Usage!.Select(u => $"{Number(u.Amount)} {u.Unit}".TrimEnd()));
                continue;
            }

            yield return Number(item.Amounts[metric.Name]);
            if (query.ComparePrevious)
            {
                yield return Number(item.Previous![metric.Name]);
                yield return Number(item.Change![metric.Name].Amount);
            }
        }
    }

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool Named(CostDimension dimension) => dimension.Name is "service" or "account" or "resource";

    /// <summary>RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula.</summary>
    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
