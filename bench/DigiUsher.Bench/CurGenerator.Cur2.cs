using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

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
    private const string Cur2Partition = "BILLING_PERIOD=2024-03";

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

    /// <summary>
    /// A CUR 2.0 CSV gzip export in the Data Exports layout under <paramref name="exportDirectory"/>
    /// (<c>data/BILLING_PERIOD=2024-03/&lt;name&gt;-00001.csv.gz</c>, ..., then the manifest under <c>metadata/</c>);
    /// map columns as JSON objects. Returns the data file paths.
    /// </summary>
    public IReadOnlyList<string> WriteCur2Csv(string exportDirectory, string exportName = "bench-cur2-csv", long rowsPerFile = 2_000_000)
    {
        var directory = Path.Combine(exportDirectory, "data", Cur2Partition);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var legacy = new string[Columns.Length];
        var cells = new string[Cur2Columns.Length];
        var maps = NewMaps();
        var json = new StringBuilder(512);
        var written = 0L;
        while (written < rows)
        {
            var path = Path.Combine(directory, $"{exportName}-{files.Count + 1:D5}.csv.gz");
            files.Add(path);
            using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
            using var text = new StreamWriter(gzip, new UTF8Encoding(false), 1 << 16);
            text.Write(string.Join(',', Cur2Columns.Select(c => c.Name)));
            text.Write('\n');
            var end = Math.Min(rows, written + rowsPerFile);
            for (; written < end; written++)
            {
                FillCur2(written, legacy, cells, maps);
                for (var c = 0; c < Cur2Columns.Length; c++)
                {
                    if (c > 0)
                    {
                        text.Write(',');
                    }

                    WriteCsvCell(text, Cur2Columns[c].Kind == 'm' ? Json(maps[MapIndex(Cur2Columns[c].Source)], json) : cells[c]);
                }

                text.Write('\n');
            }
        }

        WriteExportManifest(exportDirectory, exportName, files);
        return files;
    }

    /// <summary>
    /// A CUR 2.0 Parquet export in the Data Exports layout under <paramref name="exportDirectory"/> (one
    /// <c>data/BILLING_PERIOD=2024-03/&lt;name&gt;-00001.snappy.parquet</c>, then the manifest): optional columns
    /// (nulls for empty values), doubles for amounts, MAP columns. Returns the data file path.
    /// </summary>
    public async Task<string> WriteCur2ParquetAsync(string exportDirectory, string exportName = "bench-cur2", int rowGroupSize = 100_000)
    {
        var path = Path.Combine(exportDirectory, "data", Cur2Partition, $"{exportName}-00001.snappy.parquet");
        var fields = Cur2Columns.Select<(string Name, char Kind, int Source), Field>(c => c.Kind switch
        {
            'd' => new DataField<double?>(c.Name),
            't' => new DataField<DateTime?>(c.Name),
            'm' => new MapField(c.Name, new DataField<string>("key", false), new DataField<string>("value")),
            _ => new DataField<string>(c.Name),
        }).ToArray();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file);
        var legacy = new string[Columns.Length];
        var cells = new string[Cur2Columns.Length];
        var maps = NewMaps();
        for (long start = 0; start < rows; start += rowGroupSize)
        {
            var count = (int)Math.Min(rowGroupSize, rows - start);
            var strings = new string?[Cur2Columns.Length][];
            var doubles = new double?[Cur2Columns.Length][];
            var times = new DateTime?[Cur2Columns.Length][];
            var mapColumns = new MapColumn?[Cur2Columns.Length];
            for (var c = 0; c < Cur2Columns.Length; c++)
            {
                switch (Cur2Columns[c].Kind)
                {
                    case 'd': doubles[c] = new double?[count]; break;
                    case 't': times[c] = new DateTime?[count]; break;
                    case 'm': mapColumns[c] = new MapColumn(count); break;
                    default: strings[c] = new string?[count]; break;
                }
            }

            for (var r = 0; r < count; r++)
            {
                FillCur2(start + r, legacy, cells, maps);
                for (var c = 0; c < Cur2Columns.Length; c++)
                {
                    var cell = cells[c];
                    switch (Cur2Columns[c].Kind)
                    {
                        case 'd': doubles[c][r] = cell.Length == 0 ? null : double.Parse(cell, CultureInfo.InvariantCulture); break;
                        case 't': times[c][r] = cell.Length == 0 ? null : DateTime.Parse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal); break;
                        case 'm': mapColumns[c]!.Add(maps[MapIndex(Cur2Columns[c].Source)]); break;
                        default: strings[c][r] = cell.Length == 0 ? null : cell; break;
                    }
                }
            }

            using var group = writer.CreateRowGroup();
            for (var c = 0; c < Cur2Columns.Length; c++)
            {
                switch (Cur2Columns[c].Kind)
                {
                    case 'd': await group.WriteAsync<double>((DataField)fields[c], doubles[c].AsMemory()); break;
                    case 't': await group.WriteAsync<DateTime>((DataField)fields[c], times[c].AsMemory()); break;
                    case 'm': await mapColumns[c]!.WriteAsync(group, (MapField)fields[c]); break;
                    default: await group.WriteAsync((DataField)fields[c], strings[c]); break;
                }
            }
        }

        WriteExportManifest(exportDirectory, exportName, [path]);
        return path;
    }

    /// <summary>
    /// The Data Exports manifest, written after the data files as AWS does
    /// (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-manifest.html): execution, export, columns
    /// with their types, the data files as <c>s3://</c> URIs, the billing period.
    /// </summary>
    private static void WriteExportManifest(string exportDirectory, string exportName, IReadOnlyList<string> files)
    {
        var executionId = "0c5fd3f8-0000-4000-8000-000000000002";
        var manifest = new
        {
            executionId,
            exportArn = $"arn:aws:bcm-data-exports:us-east-1:999999999999:export/{exportName}-{executionId}",
            columns = Cur2Columns.Select(c => new
            {
                name = c.Name,
                type = c.Kind switch { 'd' => "double", 't' => "timestamp", 'm' => "map<string,string>", _ => "string" },
            }),
            dataFiles = files.Select(f => $"s3://bench-bucket/cur2/{exportName}/data/{Cur2Partition}/{Path.GetFileName(f)}"),
            additionalOutputFiles = Array.Empty<object>(),
            billingPeriod = new { start = "2024-03-01T00:00:00.000Z", end = "2024-04-01T00:00:00.000Z" },
        };
        var metadata = Path.Combine(exportDirectory, "metadata", Cur2Partition);
        Directory.CreateDirectory(metadata);
        File.WriteAllText(Path.Combine(metadata, $"{exportName}-Manifest.json"), JsonSerializer.Serialize(manifest));
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

    private static string Json(List<KeyValuePair<string, string>> map, StringBuilder json)
    {
        if (map.Count == 0)
        {
            return "{}";
        }

        json.Clear().Append('{');
        foreach (var (key, value) in map)
        {
            json.Append(json.Length == 1 ? string.Empty : ",");
            AppendJsonString(json, key);
            json.Append(':');
            AppendJsonString(json, value);
        }

        return json.Append('}').ToString();
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

    /// <summary>
    /// One MAP column of a row group as Parquet stores it: flat key and value leaf columns whose
    /// repetition level 0 starts a row; a row with an empty map is one slot defined only up to the map.
    /// </summary>
    private sealed class MapColumn(int rows)
    {
        private readonly List<ReadOnlyMemory<char>> _keys = new(rows * 4);
        private readonly List<ReadOnlyMemory<char>> _values = new(rows * 4);
        private readonly List<int> _keyDefinitions = new(rows * 4);
        private readonly List<int> _valueDefinitions = new(rows * 4);
        private readonly List<int> _repetitions = new(rows * 4);
        private readonly List<(bool Empty, string Key, string Value)> _slots = new(rows * 4);

        public void Add(List<KeyValuePair<string, string>> map)
        {
            if (map.Count == 0)
            {
                _slots.Add((true, string.Empty, string.Empty));
                _repetitions.Add(0);
                return;
            }

            for (var i = 0; i < map.Count; i++)
            {
                _slots.Add((false, map[i].Key, map[i].Value));
                _repetitions.Add(i == 0 ? 0 : 1);
            }
        }

        public async Task WriteAsync(ParquetRowGroupWriter group, MapField field)
        {
            var key = (DataField)field.Key;
            var value = (DataField)field.Value;
            foreach (var (empty, k, v) in _slots)
            {
                // The key is required inside the repeated key_value group: its maximum level means "an entry".
                _keyDefinitions.Add(empty ? key.MaxDefinitionLevel - 1 : key.MaxDefinitionLevel);
                _valueDefinitions.Add(empty ? key.MaxDefinitionLevel - 1 : value.MaxDefinitionLevel);
                if (!empty)
                {
                    _keys.Add(k.AsMemory());
                    _values.Add(v.AsMemory());
                }
            }

            var repetitions = _repetitions.ToArray();
            await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(key, _keys.ToArray(), _keyDefinitions.ToArray(), repetitions, CancellationToken.None);
            await group.WriteAllPartsAsync<ReadOnlyMemory<char>>(value, _values.ToArray(), _valueDefinitions.ToArray(), repetitions, CancellationToken.None);
        }
    }
}
