using System.Globalization;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Bench;

/// <summary>
/// CUR 2.0 (AWS Data Exports, table <c>COST_AND_USAGE_REPORT</c> with resources): a fixed snake-case
/// schema in which the sparse families are <c>map&lt;string,string&gt;</c> columns (<c>product</c>,
/// <c>resource_tags</c>, <c>cost_category</c>, <c>discount</c>), as Parquet MAP columns in a Parquet export
/// and as JSON text in a CSV export (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html).
/// Product name and operating system exist only in the <c>product</c> map; <c>product_region_code</c> stays a column.
/// Tag keys are normalized (<c>user_team</c>, <c>aws_created_by</c>). Costs are doubles, rates strings, and
/// every column is optional, with nulls for empty values, as in real exports.
/// </summary>
public sealed partial class CurGenerator
{
    private const int NetUnblended = -1;
    private const int PayerName = -2;
    private const int AccountName = -3;
    private const int TotalDiscount = -4;
    private const int BundledDiscount = -5;
    private const int ProductMap = -10;
    private const int TagsMap = -11;
    private const int CostCategoryMap = -12;
    private const int DiscountMap = -13;

    /// <summary>CUR 2.0 columns: name, kind (<c>s</c>tring, <c>d</c>ouble, <c>t</c>imestamp, <c>m</c>ap) and the legacy cell (or a computed value) it comes from.</summary>
    private static readonly (string Name, char Kind, int Source)[] Cur2Columns =
    [
        ("bill_bill_type", 's', 4), ("bill_billing_entity", 's', 3), ("bill_billing_period_end_date", 't', 7), ("bill_billing_period_start_date", 't', 6),
        ("bill_invoice_id", 's', 2), ("bill_invoicing_entity", 's', 27), ("bill_payer_account_id", 's', 5), ("bill_payer_account_name", 's', PayerName),
        ("cost_category", 'm', CostCategoryMap), ("discount", 'm', DiscountMap), ("discount_bundled_discount", 'd', BundledDiscount),
        ("discount_total_discount", 'd', TotalDiscount), ("identity_line_item_id", 's', 0), ("identity_time_interval", 's', 1),
        ("line_item_availability_zone", 's', 15), ("line_item_blended_cost", 'd', 24), ("line_item_blended_rate", 's', 23),
        ("line_item_currency_code", 's', 20), ("line_item_legal_entity", 's', 27), ("line_item_line_item_description", 's', 25),
        ("line_item_line_item_type", 's', 9), ("line_item_net_unblended_cost", 'd', NetUnblended), ("line_item_normalization_factor", 'd', 18),
        ("line_item_normalized_usage_amount", 'd', 19), ("line_item_operation", 's', 14), ("line_item_product_code", 's', 12),
        ("line_item_resource_id", 's', 16), ("line_item_tax_type", 's', 26), ("line_item_unblended_cost", 'd', 22), ("line_item_unblended_rate", 's', 21),
        ("line_item_usage_account_id", 's', 8), ("line_item_usage_account_name", 's', AccountName), ("line_item_usage_amount", 'd', 17),
        ("line_item_usage_end_date", 't', 11), ("line_item_usage_start_date", 't', 10), ("line_item_usage_type", 's', 13),
        ("pricing_public_on_demand_cost", 'd', 40), ("pricing_public_on_demand_rate", 's', 41), ("pricing_term", 's', 42), ("pricing_unit", 's', 43),
        ("product", 'm', ProductMap), ("product_instance_type", 's', 29), ("product_location", 's', 30), ("product_product_family", 's', 32),
        ("product_region_code", 's', 34), ("product_servicecode", 's', 35), ("product_sku", 's', 36), ("product_usagetype", 's', 37),
        ("reservation_effective_cost", 'd', 44), ("reservation_reservation_a_r_n", 's', 45),
        ("reservation_unused_amortized_upfront_fee_for_billing_period", 'd', 46), ("reservation_unused_recurring_fee", 'd', 47),
        ("resource_tags", 'm', TagsMap), ("savings_plan_savings_plan_a_r_n", 's', 48), ("savings_plan_savings_plan_effective_cost", 'd', 49),
        ("savings_plan_total_commitment_to_date", 'd', 50), ("savings_plan_used_commitment", 'd', 51),
    ];

    private static readonly CurColumn[] Cur2Schema = [.. Cur2Columns.Select(c => new CurColumn(c.Name, c.Kind switch
    {
        'd' => CurColumnKind.Double,
        't' => CurColumnKind.Timestamp,
        'm' => CurColumnKind.Map,
        _ => CurColumnKind.String,
    }))];

    /// <summary>
    /// A CUR 2.0 CSV gzip export in the Data Exports layout under <paramref name="exportDirectory"/>
    /// (<c>data/BILLING_PERIOD=2024-03/&lt;name&gt;-00001.csv.gz</c>, ..., then the manifest under <c>metadata/</c>);
    /// map columns as JSON objects. Returns the data file paths.
    /// </summary>
    public IReadOnlyList<string> WriteCur2Csv(string exportDirectory, string exportName = "bench-cur2-csv", long rowsPerFile = 2_000_000)
    {
        var delivery = new DataExportDelivery("cur2", exportName, Period);
        var paths = new List<string>();
        var legacy = new string[Columns.Length];
        var cells = new string[Cur2Columns.Length];
        var maps = NewMaps();
        var written = 0L;
        while (written < rows)
        {
            paths.Add(delivery.DataPath(paths.Count + 1, "csv.gz"));
            using var csv = CurCsvWriter.Gzip(Create(exportDirectory, paths[^1]), Cur2Schema.Select(c => c.Name));
            for (var end = Math.Min(rows, written + rowsPerFile); written < end; written++)
            {
                FillCur2(written, legacy, cells, maps);
                for (var c = 0; c < Cur2Columns.Length; c++)
                {
                    if (Cur2Columns[c].Kind == 'm')
                    {
                        cells[c] = CurCsvWriter.MapCell(maps[MapIndex(Cur2Columns[c].Source)]);
                    }
                }

                csv.WriteRow(cells);
            }
        }

        WriteExportManifest(exportDirectory, delivery, paths);
        return [.. paths.Select(p => Path.Combine(exportDirectory, p))];
    }

    /// <summary>
    /// A CUR 2.0 Parquet export in the Data Exports layout under <paramref name="exportDirectory"/> (one
    /// <c>data/BILLING_PERIOD=2024-03/&lt;name&gt;-00001.snappy.parquet</c>, then the manifest): optional columns
    /// (nulls for empty values), doubles for amounts, MAP columns. Returns the data file path.
    /// </summary>
    public async Task<string> WriteCur2ParquetAsync(string exportDirectory, string exportName = "bench-cur2", int rowGroupSize = 100_000)
    {
        var delivery = new DataExportDelivery("cur2", exportName, Period);
        var dataPath = delivery.DataPath(1, "snappy.parquet");
        await using (var file = Create(exportDirectory, dataPath))
        await using (var parquet = await CurParquetWriter.CreateAsync(file, Cur2Schema, optional: true, rowGroupSize))
        {
            var legacy = new string[Columns.Length];
            var cells = new string[Cur2Columns.Length];
            var maps = NewMaps();
            for (long row = 0; row < rows; row++)
            {
                FillCur2(row, legacy, cells, maps);
                for (var c = 0; c < Cur2Columns.Length; c++)
                {
                    if (Cur2Schema[c].Kind == CurColumnKind.Map)
                    {
                        parquet.Set(c, maps[MapIndex(Cur2Columns[c].Source)]);
                    }
                    else
                    {
                        SetCell(parquet, c, Cur2Schema[c].Kind, cells[c]);
                    }
                }

                await parquet.EndRowAsync();
            }
        }

        WriteExportManifest(exportDirectory, delivery, [dataPath]);
        return Path.Combine(exportDirectory, dataPath);
    }

    /// <summary>A file of the export, at <paramref name="path"/> under <paramref name="exportDirectory"/>.</summary>
    private static FileStream Create(string exportDirectory, string path)
    {
        var full = Path.Combine(exportDirectory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return File.Create(full);
    }

    /// <summary>The Data Exports manifest, written after the data files as AWS does.</summary>
    private static void WriteExportManifest(string exportDirectory, DataExportDelivery delivery, IReadOnlyList<string> dataPaths)
    {
        using var file = Create(exportDirectory, delivery.ManifestPath);
        file.Write(System.Text.Encoding.UTF8.GetBytes(
            delivery.Manifest("0c5fd3f8-0000-4000-8000-000000000002", "999999999999", "bench-bucket", Cur2Schema, dataPaths)));
    }

    private static List<KeyValuePair<string, string>>[] NewMaps() => [[], [], [], []];

    private static int MapIndex(int source) => ProductMap - source;

    private void FillCur2(long index, string[] legacy, string[] cells, List<KeyValuePair<string, string>>[] maps)
    {
        Fill(index, legacy);
        var type = legacy[9];
        var unblended = decimal.Parse(legacy[22], CultureInfo.InvariantCulture);
        // An EDP-style discount on usage: net unblended is what the payer owes after it.
        var net = type == "Usage" ? Math.Round(unblended * 0.95m, 10) : unblended;
        for (var c = 0; c < Cur2Columns.Length; c++)
        {
            var source = Cur2Columns[c].Source;
            cells[c] = source switch
            {
                >= 0 => legacy[source],
                NetUnblended => Text(net),
                PayerName => "Example Corp Management",
                AccountName => $"account-{legacy[8][^4..]}",
                TotalDiscount => type == "Usage" ? Text(net - unblended) : string.Empty,
                BundledDiscount => string.Empty,
                _ => string.Empty,
            };
        }

        foreach (var map in maps)
        {
            map.Clear();
        }

        var product = maps[MapIndex(ProductMap)];
        product.Add(new("product_name", legacy[28]));
        product.Add(new("operating_system", legacy[31]));
        product.Add(new("region", legacy[33]));
        product.Add(new("vcpu", legacy[38]));
        product.Add(new("memory", legacy[39]));

        var tags = maps[MapIndex(TagsMap)];
        AddIfPresent(tags, "user_team", legacy[52]);
        AddIfPresent(tags, "user_env", legacy[53]);
        AddIfPresent(tags, "user_cost_center", legacy[54]);
        AddIfPresent(tags, "aws_created_by", legacy[55]);

        var categories = maps[MapIndex(CostCategoryMap)];
        if (legacy[54].Length > 0)
        {
            categories.Add(new("business_unit", legacy[52] is "ml" or "data" ? "analytics" : "product"));
        }

        if (type == "Usage")
        {
            maps[MapIndex(DiscountMap)].Add(new("edp_discount", Text(net - unblended)));
        }
    }

    private static void AddIfPresent(List<KeyValuePair<string, string>> map, string key, string value)
    {
        if (value.Length > 0)
        {
            map.Add(new(key, value));
        }
    }
}
