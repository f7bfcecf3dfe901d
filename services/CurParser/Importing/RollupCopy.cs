using Npgsql;
using NpgsqlTypes;

namespace DigiUsher.CurParser.Importing;

/// <summary>Daily rollup rows into an import's <c>daily_costs</c> partition by binary COPY (the final groups, or partial sums on the way).</summary>
public static class RollupCopy
{
    public const string Columns =
        "import_id, day, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency, " +
        "unblended, net_unblended, blended, amortized, public_on_demand, usage_amount, line_items, usage_account_name, pricing_unit, cost_categories, net_amortized";

    /// <summary>COPYs <paramref name="lines"/> and checks the server took every row.</summary>
    /// <exception cref="ReconciliationException">Postgres took fewer or more rows than were sent.</exception>
    public static async Task WriteAsync(NpgsqlConnection connection, string schema, Guid importId, IEnumerable<DailyRollupLine> lines, CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync(
            $"copy {LineItemLoader.PartitionOf(schema, "daily_costs", importId)} ({Columns}) from stdin (format binary)", cancellationToken);
        long rows = 0;
        foreach (var line in lines)
        {
            WriteRow(writer, importId, line);
            rows++;
        }

        var written = await writer.CompleteAsync(cancellationToken);
        if ((long)written != rows)
        {
            throw new ReconciliationException($"Postgres took {written} rollup rows of the {rows} sent by COPY.");
        }
    }

    private static void WriteRow(NpgsqlBinaryImporter writer, Guid importId, DailyRollupLine line)
    {
        writer.StartRow();
        writer.Write(importId, NpgsqlDbType.Uuid);
        writer.Write(line.Day, NpgsqlDbType.Date);
        writer.Write(line.UsageAccountId, NpgsqlDbType.Text);
        writer.Write(line.ProductCode, NpgsqlDbType.Text);
        writer.Write(line.ServiceName, NpgsqlDbType.Text);
        writer.Write(line.Region, NpgsqlDbType.Text);
        writer.Write(line.UsageType, NpgsqlDbType.Text);
        writer.Write(line.LineItemType, NpgsqlDbType.Text);
        writer.Write(line.ResourceId, NpgsqlDbType.Text);
        writer.Write(line.Tags, NpgsqlDbType.Jsonb);
        writer.Write(line.Currency, NpgsqlDbType.Text);
        writer.Write(line.Unblended, NpgsqlDbType.Numeric);
        writer.Write(line.NetUnblended, NpgsqlDbType.Numeric);
        writer.Write(line.Blended, NpgsqlDbType.Numeric);
        writer.Write(line.Amortized, NpgsqlDbType.Numeric);
        writer.Write(line.PublicOnDemand, NpgsqlDbType.Numeric);
        writer.Write(line.UsageAmount, NpgsqlDbType.Numeric);
        writer.Write(line.LineItems, NpgsqlDbType.Bigint);
        writer.Write(line.UsageAccountName, NpgsqlDbType.Text);
        writer.Write(line.PricingUnit, NpgsqlDbType.Text);
        writer.Write(line.CostCategories, NpgsqlDbType.Jsonb);
        writer.Write(line.NetAmortized, NpgsqlDbType.Numeric);
    }
}
