using System.Buffers;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.CurParser.Data;
using DigiUsher.CurParser.Importing;
using DigiUsher.CurParser.Lifecycle;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Security;
using Npgsql;

namespace DigiUsher.CurParser.Apis;

/// <summary>Internal endpoints other services pull bulk data from (never in the public OpenAPI document).</summary>
public static class ImportsApi
{
    private static readonly ApiParameter HourlyFrom = new("from", ApiParameterType.Date, "First usage day served (yyyy-MM-dd, UTC); default: the whole period.");

    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        // Only Query's own service identity reads rollups: the scope, and the client id for defence in depth.
        var group = app.MapGroup("/internal/v1/imports").ExcludeFromDescription()
            .RequireScope(Scopes.ImportRollupsRead)
            .RequireAuthorization(p => p.RequireClaim(DigiUsherClaims.ClientId, ServiceIdentities.Query));
        group.MapGet("/{importId:guid}/daily-costs", StreamDailyCostsAsync)
            .WithName("GetImportDailyCosts")
            .WithSummary("The daily rollup of a current import, as NDJSON (one JSON object per line)");
        group.MapGet("/{importId:guid}/hourly-costs", StreamHourlyCostsAsync)
            .WithParameters(HourlyFrom)
            .WithName("GetImportHourlyCosts")
            .WithSummary("The hourly rollup (no resource dimension) of a current import from a day on, as NDJSON");
        return app;
    }

    /// <summary>
    /// Streams the rollup inside one repeatable-read transaction: the import is checked current and
    /// read from the same snapshot, and its partition cannot be dropped while the stream runs.
    /// </summary>
    private static Task<IResult> StreamDailyCostsAsync(Guid importId, NpgsqlDataSource dataSource, HttpContext http, CancellationToken cancellationToken) =>
        StreamCurrentAsync(importId, dataSource, http, (connection, transaction) => connection.QueryUnbufferedAsync<DailyCostRow>(
            $"""
            select day, usage_account_id as usageaccountid, product_code as productcode, service_name as servicename, region,
                   usage_type as usagetype, line_item_type as lineitemtype, resource_id as resourceid, tags::text as tags, currency,
                   unblended, net_unblended as netunblended, blended, amortized, public_on_demand as publicondemand,
                   usage_amount as usageamount, line_items as lineitems, pricing_unit as pricingunit, cost_categories::text as costcategories,
                   usage_account_name as usageaccountname, net_amortized as netamortized
            from {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)}
            order by day, usage_account_id, product_code, region, usage_type, line_item_type, resource_id, currency
            """, transaction: transaction).Select(r => (Action<Utf8JsonWriter>)r.ToLine().WriteTo), cancellationToken);

    /// <summary>
    /// The hourly rollup, summed from the import's line items when asked (one pass over the partition,
    /// like the daily rollup at the swap): no table to fill at import time, and imports made before it
    /// existed serve it too. Read models ask only for the days they keep hourly.
    /// </summary>
    private static Task<IResult> StreamHourlyCostsAsync(Guid importId, NpgsqlDataSource dataSource, HttpContext http, CancellationToken cancellationToken)
    {
        var from = PageParameters.Single(http.Request.Query, "from") is { } text
            ? DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
                ? day
                : throw new BadParameterException("from", $"'{text}' is not a date (yyyy-MM-dd).")
            : DateOnly.MinValue;
        var start = from == DateOnly.MinValue ? DateTime.MinValue : from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return StreamCurrentAsync(importId, dataSource, http, (connection, transaction) => connection.QueryUnbufferedAsync<HourlyCostRow>(
            $"""
            select date_trunc('hour', usage_start) as hour, usage_account_id as usageaccountid, product_code as productcode, region,
                   usage_type as usagetype, line_item_type as lineitemtype, pricing_unit as pricingunit, tags::text as tags,
                   cost_categories::text as costcategories, currency, sum(unblended) as unblended, sum(net_unblended) as netunblended,
                   sum(blended) as blended, sum(amortized) as amortized, sum(net_amortized) as netamortized,
                   sum(public_on_demand) as publicondemand, sum(usage_amount) as usageamount, count(*) as lineitems
            from {LineItemLoader.PartitionOf(CurParserDb.Schema, "line_items", importId)}
            where usage_start >= @start
            group by 1, usage_account_id, product_code, region, usage_type, line_item_type, pricing_unit, tags, cost_categories, currency
            """, new { start }, transaction).Select(r => (Action<Utf8JsonWriter>)r.ToLine().WriteTo), cancellationToken);
    }

    private static async Task<IResult> StreamCurrentAsync(
        Guid importId, NpgsqlDataSource dataSource, HttpContext http,
        Func<NpgsqlConnection, NpgsqlTransaction, IAsyncEnumerable<Action<Utf8JsonWriter>>> rows, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var status = await connection.QuerySingleOrDefaultAsync<string>(
            $"select status from {CurParserDb.Schema}.imports where import_id = @importId", new { importId }, transaction);
        if (status is null || StatusText.Parse<ImportStatus>(status) != ImportStatus.Current)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            return status is null
                ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown import", detail: $"No import {importId}.")
                : TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "Import no longer current",
                    detail: $"Import {importId} is {status}; a newer CostsImported names the current one.");
        }

        http.Response.RegisterForDisposeAsync(connection);
        http.Response.RegisterForDisposeAsync(transaction);
        return new NdjsonResult(rows(connection, transaction));
    }

    /// <summary>A row of an import's <c>daily_costs</c> partition (tags and categories as the jsonb's text).</summary>
    private sealed record DailyCostRow(
        DateOnly Day, string UsageAccountId, string ProductCode, string ServiceName, string Region, string UsageType, string LineItemType,
        string ResourceId, string Tags, string Currency, decimal Unblended, decimal NetUnblended, decimal Blended, decimal Amortized,
        decimal PublicOnDemand, decimal UsageAmount, long LineItems, string PricingUnit, string CostCategories, string UsageAccountName,
        decimal? NetAmortized)
    {
        public DailyCostLine ToLine() => new(
            Day, UsageAccountId, ProductCode, ServiceName, Region, UsageType, LineItemType, ResourceId,
            JsonSerializer.Deserialize<Dictionary<string, string>>(Tags), Currency, Unblended, NetUnblended, Blended, Amortized,
            PublicOnDemand, UsageAmount, LineItems, PricingUnit, JsonSerializer.Deserialize<Dictionary<string, string>>(CostCategories),
            UsageAccountName.Length == 0 ? null : UsageAccountName, NetAmortized);
    }

    /// <summary>A group of an import's line items per usage hour.</summary>
    private sealed record HourlyCostRow(
        DateTime Hour, string UsageAccountId, string ProductCode, string Region, string UsageType, string LineItemType, string PricingUnit,
        string Tags, string CostCategories, string Currency, decimal Unblended, decimal NetUnblended, decimal Blended, decimal Amortized,
        decimal? NetAmortized, decimal PublicOnDemand, decimal UsageAmount, long LineItems)
    {
        public HourlyCostLine ToLine() => new(
            new DateTimeOffset(DateTime.SpecifyKind(Hour, DateTimeKind.Utc)), UsageAccountId, ProductCode, Region, UsageType, LineItemType, PricingUnit,
            JsonSerializer.Deserialize<Dictionary<string, string>>(Tags), JsonSerializer.Deserialize<Dictionary<string, string>>(CostCategories),
            Currency, Unblended, NetUnblended, Blended, Amortized, NetAmortized, PublicOnDemand, UsageAmount, LineItems);
    }

    /// <summary>Writes each line's JSON object and a line break, flushing every 256 lines.</summary>
    private sealed class NdjsonResult(IAsyncEnumerable<Action<Utf8JsonWriter>> lines) : IResult
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = DailyCostLine.MediaType;
            var body = httpContext.Response.BodyWriter;
            await using var json = new Utf8JsonWriter(body);
            var rows = 0;
            await foreach (var line in lines.WithCancellation(httpContext.RequestAborted))
            {
                json.Reset(body);
                line(json);
                await json.FlushAsync(httpContext.RequestAborted);
                body.Write(NewLine);
                if (++rows % 256 == 0)
                {
                    await body.FlushAsync(httpContext.RequestAborted);
                }
            }

            await body.FlushAsync(httpContext.RequestAborted);
        }
    }
}
