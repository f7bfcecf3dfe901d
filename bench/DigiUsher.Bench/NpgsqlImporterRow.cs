using DigiUsher.Cur.Reading;
using Npgsql;
using NpgsqlTypes;

namespace DigiUsher.Bench;

/// <summary>A line item through Npgsql's <see cref="NpgsqlBinaryImporter"/>, field by field, in <see cref="CurParser.Importing.LineItemCopy.Columns"/> order: the second reference.</summary>
public static class NpgsqlImporterRow
{
    public static void Write(NpgsqlBinaryImporter writer, Guid importId, CurLineItem item)
    {
        writer.StartRow();
        writer.Write(importId, NpgsqlDbType.Uuid);
        writer.Write((short)item.FileIndex, NpgsqlDbType.Smallint);
        writer.Write(item.RowNumber, NpgsqlDbType.Bigint);
        writer.Write(item.UsageAccountId, NpgsqlDbType.Text);
        writer.Write(item.PayerAccountId, NpgsqlDbType.Text);
        writer.Write(item.LineItemType, NpgsqlDbType.Text);
        writer.Write(item.ProductCode, NpgsqlDbType.Text);
        writer.Write(item.ServiceName, NpgsqlDbType.Text);
        writer.Write(item.UsageType, NpgsqlDbType.Text);
        writer.Write(item.Operation, NpgsqlDbType.Text);
        writer.Write(item.Region, NpgsqlDbType.Text);
        writer.Write(item.AvailabilityZone, NpgsqlDbType.Text);
        writer.Write(item.ResourceId, NpgsqlDbType.Text);
        writer.Write(item.UsageStart, NpgsqlDbType.TimestampTz);
        writer.Write(item.UsageEnd, NpgsqlDbType.TimestampTz);
        writer.Write(item.UsageAmount, NpgsqlDbType.Numeric);
        writer.Write(item.PricingUnit, NpgsqlDbType.Text);
        writer.Write(item.Currency, NpgsqlDbType.Text);
        writer.Write(item.Unblended, NpgsqlDbType.Numeric);
        writer.Write(item.NetUnblended, NpgsqlDbType.Numeric);
        writer.Write(item.Blended, NpgsqlDbType.Numeric);
        writer.Write(item.Amortized, NpgsqlDbType.Numeric);
        writer.Write(item.PublicOnDemand, NpgsqlDbType.Numeric);
        writer.Write(item.InvoiceId, NpgsqlDbType.Text);
        writer.Write(item.TagsJson, NpgsqlDbType.Jsonb);
        writer.Write(item.CostCategoriesJson, NpgsqlDbType.Jsonb);
        writer.Write(item.UsageAccountName, NpgsqlDbType.Text);
        writer.Write(item.NetAmortized, NpgsqlDbType.Numeric);
    }
}
