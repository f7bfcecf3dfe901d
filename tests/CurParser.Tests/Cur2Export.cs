using System.Globalization;
using DigiUsher.Cur.Writing;

namespace DigiUsher.CurParser.Tests;

/// <summary>One CUR 2.0 line item as a test states it (amounts in decimal, maps as dictionaries).</summary>
internal sealed record Cur2Row(
    string LineItemId,
    string Account,
    string Type,
    DateTime Start,
    string ProductCode,
    string UsageType,
    string? ResourceId,
    decimal Usage,
    decimal Unblended,
    decimal? NetUnblended,
    string? RegionCode,
    IReadOnlyDictionary<string, string> Product,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> CostCategories,
    IReadOnlyDictionary<string, string> Discount,
    decimal? SavingsPlanEffectiveCost = null,
    decimal? SavingsPlanTotalCommitment = null,
    decimal? SavingsPlanUsedCommitment = null,
    string? SavingsPlanArn = null,
    decimal? ReservationEffectiveCost = null,
    decimal? ReservationUnusedAmortizedUpfront = null,
    decimal? ReservationUnusedRecurringFee = null,
    string? ReservationArn = null)
{
    /// <summary>
    /// Effective cost as CUR.md §4 states the rule (finopsfoundation/focus_converters
    /// <c>effective_cost_S001.yaml</c>), computed here from the row, not by the importer's code.
    /// </summary>
    public decimal ExpectedAmortized => Type switch
    {
        "SavingsPlanCoveredUsage" => SavingsPlanEffectiveCost ?? 0m,
        "SavingsPlanRecurringFee" => (SavingsPlanTotalCommitment ?? 0m) - (SavingsPlanUsedCommitment ?? 0m),
        "SavingsPlanNegation" or "SavingsPlanUpfrontFee" => 0m,
        "DiscountedUsage" => ReservationEffectiveCost ?? 0m,
        "RIFee" => (ReservationUnusedAmortizedUpfront ?? 0m) + (ReservationUnusedRecurringFee ?? 0m),
        "Fee" when !string.IsNullOrEmpty(ReservationArn) => 0m,
        _ => Unblended,
    };

    /// <summary>Net unblended cost; a null cell means no discount applied (the importer falls back to unblended).</summary>
    public decimal ExpectedNetUnblended => NetUnblended ?? Unblended;
}

/// <summary>
/// A CUR 2.0 export (AWS Data Exports, <c>COST_AND_USAGE_REPORT</c> with resources) in miniature, written the
/// two ways Data Exports delivers it: Parquet with MAP columns, and CSV gzip with the maps as JSON text
/// (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html). Columns are optional with
/// nulls for empty values, amounts doubles, rates strings, as in real exports; the product name exists
/// only in the <c>product</c> map.
/// </summary>
internal static class Cur2Export
{
    private static readonly string[] Types =
    [
        "Usage", "Usage", "Usage", "Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
        "RIFee", "Fee", "Tax", "Credit", "Refund", "EdpDiscount",
    ];

    private static readonly (string Code, string Name)[] Products =
    [
        ("AmazonEC2", "Amazon Elastic Compute Cloud"), ("AmazonS3", "Amazon Simple Storage Service"), ("AmazonRDS", "Amazon Relational Database Service"),
        ("AWSLambda", "AWS Lambda"),
    ];

    private static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];

    private const CurColumnKind S = CurColumnKind.String, D = CurColumnKind.Double, T = CurColumnKind.Timestamp, M = CurColumnKind.Map;

    /// <summary>The export's columns and what each holds.</summary>
    private static readonly CurColumn[] Columns =
    [
        new("bill_billing_period_start_date", T), new("bill_invoice_id", S), new("bill_payer_account_id", S), new("bill_payer_account_name", S),
        new("cost_category", M), new("discount", M), new("discount_total_discount", D), new("identity_line_item_id", S), new("identity_time_interval", S),
        new("line_item_availability_zone", S), new("line_item_currency_code", S), new("line_item_line_item_type", S), new("line_item_net_unblended_cost", D),
        new("line_item_operation", S), new("line_item_product_code", S), new("line_item_resource_id", S), new("line_item_unblended_cost", D),
        new("line_item_unblended_rate", S), new("line_item_usage_account_id", S), new("line_item_usage_account_name", S), new("line_item_usage_amount", D),
        new("line_item_usage_end_date", T), new("line_item_usage_start_date", T), new("line_item_usage_type", S), new("pricing_unit", S), new("product", M),
        new("product_region_code", S), new("product_servicecode", S), new("reservation_effective_cost", D), new("reservation_reservation_a_r_n", S),
        new("reservation_unused_amortized_upfront_fee_for_billing_period", D), new("reservation_unused_recurring_fee", D), new("resource_tags", M),
        new("savings_plan_savings_plan_a_r_n", S), new("savings_plan_savings_plan_effective_cost", D), new("savings_plan_total_commitment_to_date", D),
        new("savings_plan_used_commitment", D),
    ];

    public static readonly DateTime MonthStart = new(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// <paramref name="count"/> hourly rows over 40 resources in 3 accounts: every line item type (and one AWS
    /// added later, <c>EdpDiscount</c>), user and AWS tags, empty maps, rows without a region code (the
    /// product map has it), a tag value needing CSV and JSON quoting.
    /// </summary>
    public static IReadOnlyList<Cur2Row> Rows(int count)
    {
        var rows = new List<Cur2Row>(count);
        for (var i = 0; i < count; i++)
        {
            var resource = i % 40;
            var type = Types[i % Types.Length];
            var (code, name) = Products[resource % Products.Length];
            var region = Regions[resource % Regions.Length];
            var account = $"11112222{3000 + (resource % 3)}";
            var cost = Math.Round(0.0001m + (resource * 0.0123457m) + (i % 7 * 0.5m), 10);
            var unblended = type switch
            {
                "Credit" or "Refund" or "SavingsPlanNegation" or "EdpDiscount" => -cost,
                "DiscountedUsage" => 0m,
                _ => cost,
            };
            var global = type is "Tax" or "Credit" or "Refund" or "EdpDiscount";
            var tags = new Dictionary<string, string>();
            if (!global && resource % 5 != 0)
            {
                tags["user_team"] = resource % 10 == 1 ? "data, \"core\"" : $"team-{resource % 4}";
                tags["user_cost_center"] = $"cc-{resource % 6}";
                if (resource % 3 == 0)
                {
                    tags["aws_created_by"] = "IAMUser:AIDAEXAMPLE:ci";
                }
            }

            var product = new Dictionary<string, string>();
            if (type != "Credit")
            {
                product["product_name"] = name;
                product["region"] = region;
                product["operating_system"] = "Linux";
            }

            rows.Add(new Cur2Row(
                LineItemId: $"li-{i:x6}",
                Account: account,
                Type: type,
                Start: MonthStart.AddHours(i % (31 * 24)),
                ProductCode: code,
                UsageType: $"{region}-{code}-Usage",
                ResourceId: global ? null : $"arn:aws:{code.ToLowerInvariant()}:{region}:{account}:res/{resource}",
                Usage: 1m + (i % 3),
                Unblended: unblended,
                NetUnblended: type == "Usage" ? Math.Round(unblended * 0.9m, 10) : resource % 4 == 0 ? null : unblended,
                RegionCode: global || resource % 7 == 0 ? null : region,
                Product: product,
                Tags: tags,
                CostCategories: resource % 2 == 0 ? new Dictionary<string, string> { ["business_unit"] = "analytics" } : new Dictionary<string, string>(),
                Discount: type == "Usage" ? new Dictionary<string, string> { ["edp_discount"] = Text(Math.Round(unblended * 0.9m, 10) - unblended) } : new Dictionary<string, string>(),
                SavingsPlanEffectiveCost: type == "SavingsPlanCoveredUsage" ? Math.Round(cost * 0.7m, 10) : null,
                SavingsPlanTotalCommitment: type == "SavingsPlanRecurringFee" ? 10m : null,
                SavingsPlanUsedCommitment: type == "SavingsPlanRecurringFee" ? 8.25m : null,
                SavingsPlanArn: type.StartsWith("SavingsPlan", StringComparison.Ordinal) ? $"arn:aws:savingsplans::{account}:savingsplan/sp-1" : null,
                ReservationEffectiveCost: type == "DiscountedUsage" ? Math.Round(cost * 0.6m, 10) : null,
                ReservationUnusedAmortizedUpfront: type == "RIFee" ? 0.5m : null,
                ReservationUnusedRecurringFee: type == "RIFee" ? 0.125m : null,
                ReservationArn: type is "DiscountedUsage" or "RIFee" or "Fee" ? $"arn:aws:ec2:{region}:{account}:reserved-instances/ri-1" : null));
        }

        return rows;
    }

    /// <summary>
    /// The export's CSV (header and rows), maps as JSON objects, timestamps as Data Exports writes them; only
    /// the <paramref name="only"/> columns when given (a customer's export query can select any subset).
    /// </summary>
    public static string Csv(IEnumerable<Cur2Row> rows, IReadOnlySet<string>? only = null)
    {
        var columns = Selected(only);
        var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CurCsvWriter(text, columns.Select(c => c.Name));
        foreach (var row in rows)
        {
            csv.WriteRow([.. columns.Select(c => CsvCell(row, c))]);
        }

        return text.ToString();
    }

    /// <summary>The export as Parquet with row groups of <paramref name="rowGroupSize"/> rows; only the <paramref name="only"/> columns when given.</summary>
    public static async Task<byte[]> ParquetAsync(IReadOnlyList<Cur2Row> rows, int rowGroupSize, IReadOnlySet<string>? only = null)
    {
        var columns = Selected(only);
        using var output = new MemoryStream();
        await using (var parquet = await CurParquetWriter.CreateAsync(output, columns, optional: true, rowGroupSize))
        {
            foreach (var row in rows)
            {
                for (var c = 0; c < columns.Length; c++)
                {
                    var value = Cell(row, columns[c].Name);
                    switch (columns[c].Kind)
                    {
                        case CurColumnKind.Double: parquet.Set(c, value is decimal d ? (double)d : null); break;
                        case CurColumnKind.Timestamp: parquet.Set(c, (DateTime?)value); break;
                        case CurColumnKind.Map: parquet.Set(c, Map(row, columns[c].Name)); break;
                        default: parquet.Set(c, (string?)value); break;
                    }
                }

                await parquet.EndRowAsync();
            }
        }

        return output.ToArray();
    }

    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string CsvCell(Cur2Row row, CurColumn column) =>
        (column.Kind, Cell(row, column.Name)) switch
        {
            (CurColumnKind.Map, _) => CurCsvWriter.MapCell(Map(row, column.Name)),
            (CurColumnKind.Timestamp, DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            (CurColumnKind.Double, decimal amount) => Text(amount),
            (CurColumnKind.String, string text) => text,
            _ => string.Empty,
        };

    private static IReadOnlyDictionary<string, string> Map(Cur2Row row, string column) => column switch
    {
        "product" => row.Product,
        "resource_tags" => row.Tags,
        "cost_category" => row.CostCategories,
        _ => row.Discount,
    };

    private static CurColumn[] Selected(IReadOnlySet<string>? only) =>
        only is null ? Columns : [.. Columns.Where(c => only.Contains(c.Name))];

    private static object? Cell(Cur2Row row, string column) =>
        column switch
        {
            "bill_billing_period_start_date" => MonthStart,
            "bill_payer_account_id" => "999988887777",
            "bill_payer_account_name" => "Example Management",
            "discount_total_discount" => row.Type == "Usage" ? row.ExpectedNetUnblended - row.Unblended : null,
            "identity_line_item_id" => row.LineItemId,
            "identity_time_interval" => $"{row.Start:yyyy-MM-dd'T'HH:mm:ss'Z'}/{row.Start.AddHours(1):yyyy-MM-dd'T'HH:mm:ss'Z'}",
            "line_item_availability_zone" => row.RegionCode is null ? null : row.RegionCode + "a",
            "line_item_currency_code" => "USD",
            "line_item_line_item_type" => row.Type,
            "line_item_net_unblended_cost" => row.NetUnblended,
            "line_item_operation" => "RunInstances",
            "line_item_product_code" => row.ProductCode,
            "line_item_resource_id" => row.ResourceId,
            "line_item_unblended_cost" => row.Unblended,
            "line_item_unblended_rate" => "0.0960000000",
            "line_item_usage_account_id" => row.Account,
            "line_item_usage_account_name" => $"account {row.Account[^4..]}",
            "line_item_usage_amount" => row.Usage,
            "line_item_usage_end_date" => row.Start.AddHours(1),
            "line_item_usage_start_date" => row.Start,
            "line_item_usage_type" => row.UsageType,
            "pricing_unit" => "Hrs",
            "product_region_code" => row.RegionCode,
            "product_servicecode" => row.ProductCode,
            "reservation_effective_cost" => row.ReservationEffectiveCost,
            "reservation_reservation_a_r_n" => row.ReservationArn,
            "reservation_unused_amortized_upfront_fee_for_billing_period" => row.ReservationUnusedAmortizedUpfront,
            "reservation_unused_recurring_fee" => row.ReservationUnusedRecurringFee,
            "savings_plan_savings_plan_a_r_n" => row.SavingsPlanArn,
            "savings_plan_savings_plan_effective_cost" => row.SavingsPlanEffectiveCost,
            "savings_plan_total_commitment_to_date" => row.SavingsPlanTotalCommitment,
            "savings_plan_used_commitment" => row.SavingsPlanUsedCommitment,
            _ => null,
        };
}
