using System.Globalization;
using System.Text;
using DigiUsher.Query.Costs;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>The answer of <c>GET /api/v1/costs</c>.</summary>
/// <param name="From">First day included.</param>
/// <param name="To">Last day included.</param>
/// <param name="Metric">The metric summed.</param>
/// <param name="GroupBy">The dimensions of the group keys.</param>
/// <param name="Currency">The currency of <paramref name="Total"/> when the costs are in one currency; null when there are several.</param>
/// <param name="Total">The total of all groups (all pages) when in one currency.</param>
/// <param name="Totals">The total per currency.</param>
/// <param name="Items">This page of groups: the group keys (by dimension), the currency and the amount.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last.</param>
public sealed record CostsResponse(
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<string> GroupBy,
    string? Currency,
    decimal? Total,
    IReadOnlyList<CurrencyAmount> Totals,
    IReadOnlyList<CostGroup> Items,
    string? NextCursor);

public static class CostsApi
{
    public static RouteGroupBuilder MapCostsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/costs").WithTags("Costs").RequireAuthorization(DigiUsherClaims.TenantPolicy);
        ApiParameter[] query = [
            QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.Metric, QueryApiParameters.GroupBy, .. QueryApiParameters.CostFilters,
            QueryApiParameters.Tags, QueryApiParameters.DataSourceId];
        group.MapGet("/", GetCostsAsync)
            .WithParameters([.. query, QueryApiParameters.Limit(app), ApiParameter.Cursor])
            .Produces<CostsResponse>()
            .WithName("GetCosts")
            .WithSummary("Costs in a date range, summed by up to three dimensions, per currency")
            .WithDescription("Groups come time keys first in time order, then the biggest amounts. Filters are named like the dimensions "
                + "(service=AmazonEC2,AmazonS3; tag:team=web; tag:team= for untagged). The ETag changes when an import replaces a billing period.")
            .ProducesValidationProblem();
        group.MapGet("/export", ExportAsync)
            .WithParameters(query)
            .WithMetadata(new StreamedResponse())
            .WithName("ExportCosts")
            .WithSummary("The same query as CSV, streamed (all groups, no paging)")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> GetCostsAsync(
        HttpContext http, CostReader reader, CursorCodec cursors, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = CostQueryParser.Parse(http.User.GetOrganizationId(), http.Request.Query, options.Value, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        var offset = cursors.DecodeOffset(QueryParameters.Single(http.Request.Query, "cursor"), query.Fingerprint);
        if (await reader.SourceVersionAsync(query, cancellationToken) is { } version
            && ETags.Answer(http, ETags.Of($"{version}|{query.Fingerprint}|{offset}")))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var groups = new List<CostGroup>(Math.Min(query.Limit + 1, 1024));
        await foreach (var row in reader.GroupsAsync(query, offset, query.Limit + 1, cancellationToken))
        {
            groups.Add(row);
        }

        string? next = null;
        if (groups.Count > query.Limit)
        {
            groups.RemoveAt(groups.Count - 1);
            next = cursors.EncodeOffset(offset + query.Limit, query.Fingerprint);
        }

        var totals = await reader.TotalsAsync(query, cancellationToken);
        return TypedResults.Ok(new CostsResponse(
            query.From, query.To, query.MetricName, query.GroupBy.Select(g => g.Name).ToList(),
            totals.Count == 1 ? totals[0].Currency : null,
            totals.Count switch { 0 => 0m, 1 => totals[0].Amount, _ => null },
            totals, groups, next));
    }

    private static async Task ExportAsync(
        HttpContext http, CostReader reader, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = CostQueryParser.Parse(http.User.GetOrganizationId(), http.Request.Query, options.Value, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"costs-{query.From:yyyyMMdd}-{query.To:yyyyMMdd}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        await writer.WriteLineAsync(string.Join(',', query.GroupBy.Select(g => Csv(g.Name)).Append("currency").Append(query.MetricName)));
        var line = new StringBuilder();
        await foreach (var group in reader.GroupsAsync(query, 0, int.MaxValue, cancellationToken))
        {
            line.Clear();
            foreach (var dimension in query.GroupBy)
            {
                line.Append(Csv(group.Keys[dimension.Name])).Append(',');
            }

            line.Append(Csv(group.Currency)).Append(',').Append(group.Amount.ToString(CultureInfo.InvariantCulture));
            await writer.WriteLineAsync(line, cancellationToken);
        }
    }

    /// <summary>RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
