using System.Buffers;
using System.Text.Json;
using Dapper;
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
            $"select status from {store.Schema}.imports where import_id = @importId", new { importId }, transaction);
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
        var command = new NpgsqlCommand(
            $"""
            select day, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags::text, currency,
                   unblended, net_unblended, blended, amortized, public_on_demand, usage_amount, line_items
            from {LineItemLoader.PartitionOf(store.Schema, "daily_costs", importId)}
            order by day, usage_account_id, product_code, region, usage_type, line_item_type, resource_id, currency
            """, connection, transaction);
        http.Response.RegisterForDisposeAsync(command);
        var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        http.Response.RegisterForDisposeAsync(reader);
        return new NdjsonResult(reader);
    }

    private sealed class NdjsonResult(NpgsqlDataReader reader) : IResult
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "application/x-ndjson";
            var body = httpContext.Response.BodyWriter;
            await using var json = new Utf8JsonWriter(body);
            var rows = 0;
            while (await reader.ReadAsync(httpContext.RequestAborted))
            {
                json.Reset(body);
                json.WriteStartObject();
                json.WriteString("day", reader.GetFieldValue<DateOnly>(0).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("usageAccountId", reader.GetString(1));
                json.WriteString("productCode", reader.GetString(2));
                json.WriteString("serviceName", reader.GetString(3));
                json.WriteString("region", reader.GetString(4));
                json.WriteString("usageType", reader.GetString(5));
                json.WriteString("lineItemType", reader.GetString(6));
                json.WriteString("resourceId", reader.GetString(7));
                json.WritePropertyName("tags");
                json.WriteRawValue(reader.GetString(8), skipInputValidation: true);
                json.WriteString("currency", reader.GetString(9));
                json.WriteNumber("unblended", reader.GetDecimal(10));
                json.WriteNumber("netUnblended", reader.GetDecimal(11));
                json.WriteNumber("blended", reader.GetDecimal(12));
                json.WriteNumber("amortized", reader.GetDecimal(13));
                json.WriteNumber("publicOnDemand", reader.GetDecimal(14));
                json.WriteNumber("usageAmount", reader.GetDecimal(15));
                json.WriteNumber("lineItems", reader.GetInt64(16));
                json.WriteEndObject();
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
