using System.Buffers;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.CurParser.Data;
using DigiUsher.CurParser.Importing;
using DigiUsher.ServiceDefaults.Security;
using Npgsql;

namespace DigiUsher.CurParser.Apis;

/// <summary>Internal endpoints other services pull bulk data from (never in the public OpenAPI document).</summary>
public static class ImportsApi
{
    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/internal/v1/imports").RequireAuthorization(InternalToken.Policy).ExcludeFromDescription();
        group.MapGet("/{importId:guid}/daily-costs", StreamDailyCostsAsync)
            .WithName("GetImportDailyCosts")
            .WithSummary("The daily rollup of a current import, as NDJSON (one JSON object per line)");
        return app;
    }

    /// <summary>
    /// Streams the rollup inside one repeatable-read transaction: the import is checked current and
    /// read from the same snapshot, and its partition cannot be dropped while the stream runs.
    /// </summary>
    private static async Task<IResult> StreamDailyCostsAsync(Guid importId, NpgsqlDataSource dataSource, ImportStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var status = await connection.QuerySingleOrDefaultAsync<string>(
            $"select status from {CurParserDb.Schema}.imports where import_id = @importId", new { importId }, transaction);
        if (status != "current")
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
        var rows = connection.QueryUnbufferedAsync<DailyCostRow>(
            $"""
            select day, usage_account_id as usageaccountid, product_code as productcode, service_name as servicename, region,
                   usage_type as usagetype, line_item_type as lineitemtype, resource_id as resourceid, tags::text as tags, currency,
                   unblended, net_unblended as netunblended, blended, amortized, public_on_demand as publicondemand,
                   usage_amount as usageamount, line_items as lineitems
            from {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)}
            order by day, usage_account_id, product_code, region, usage_type, line_item_type, resource_id, currency
            """, transaction: transaction);
        return new NdjsonResult(rows.Select(r => r.ToLine()));
    }

    /// <summary>A row of an import's <c>daily_costs</c> partition (tags as the jsonb's text).</summary>
    private sealed record DailyCostRow(
        DateOnly Day, string UsageAccountId, string ProductCode, string ServiceName, string Region, string UsageType, string LineItemType,
        string ResourceId, string Tags, string Currency, decimal Unblended, decimal NetUnblended, decimal Blended, decimal Amortized,
        decimal PublicOnDemand, decimal UsageAmount, long LineItems)
    {
        public DailyCostLine ToLine() => new(
            Day, UsageAccountId, ProductCode, ServiceName, Region, UsageType, LineItemType, ResourceId,
            JsonSerializer.Deserialize<Dictionary<string, string>>(Tags), Currency, Unblended, NetUnblended, Blended, Amortized,
            PublicOnDemand, UsageAmount, LineItems);
    }

    private sealed class NdjsonResult(IAsyncEnumerable<DailyCostLine> lines) : IResult
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
                line.WriteTo(json);
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
