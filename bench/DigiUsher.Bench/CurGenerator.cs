using System.Globalization;
using System.Text;
using DigiUsher.Cur;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Bench;

/// <summary>
/// A month of synthetic CUR with realistic shape: ~40 products, thousands of resources in 20
/// accounts and 8 regions, tags, every line item type, hourly rows. Writes legacy CSV gzip (with
/// its manifest, split into numbered files), legacy Parquet (snake-case columns, doubles, 100k-row
/// row groups) and CUR 2.0 as AWS Data Exports writes it, Parquet (MAP columns) and CSV gzip (the maps
/// as JSON text). Deterministic (seeded).
/// </summary>
public sealed partial class CurGenerator(long rows)
{
    private const int Hours = 31 * 24;
    private static readonly DateTime MonthStart = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly BillingPeriod Period = new(2024, 3);

    private static readonly string[] Columns =
    [
        "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity", "bill/BillType", "bill/PayerAccountId",
        "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate",
        "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/AvailabilityZone", "lineItem/ResourceId",
        "lineItem/UsageAmount", "lineItem/NormalizationFactor", "lineItem/NormalizedUsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedRate",
        "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost", "lineItem/LineItemDescription", "lineItem/TaxType", "lineItem/LegalEntity",
        "product/ProductName", "product/instanceType", "product/location", "product/operatingSystem", "product/productFamily", "product/region",
        "product/regionCode", "product/servicecode", "product/sku", "product/usagetype", "product/vcpu", "product/memory", "pricing/publicOnDemandCost",
        "pricing/publicOnDemandRate", "pricing/term", "pricing/unit", "reservation/EffectiveCost", "reservation/ReservationARN",
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee", "savingsPlan/SavingsPlanARN",
        "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment", "resourceTags/user:team",
        "resourceTags/user:env", "resourceTags/user:cost_center", "resourceTags/aws:createdBy",
    ];

    private static readonly string[] Products =
    [
        "AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda", "AmazonDynamoDB", "AmazonCloudFront", "AmazonVPC", "AWSELB", "AmazonEKS", "AmazonECS",
        "AmazonCloudWatch", "AmazonSNS", "AmazonSQS", "AmazonKinesis", "AmazonElastiCache", "AmazonES", "AmazonRedshift", "AmazonEFS", "AmazonRoute53",
        "AWSGlue", "AmazonAthena", "AWSKMS", "AWSSecretsManager", "AmazonECR", "AWSCloudTrail", "AWSConfig", "AmazonGuardDuty", "AWSBackup",
        "AmazonSageMaker", "AmazonMSK", "AWSDataTransfer", "AmazonApiGateway", "AWSStepFunctions", "AmazonCognito", "AmazonSES", "AWSShield",
        "AmazonInspector", "AWSCodeBuild", "AmazonFSx", "AWSSupportBusiness",
    ];

    private static readonly string[] Regions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1"];
    private static readonly string[] Teams = ["web", "data", "platform", "ml", "payments", "search", "mobile", "infra"];
    private static readonly string[] Envs = ["prod", "staging", "dev"];
    private static readonly string[] Rare = ["Tax", "Credit", "Refund", "RIFee", "Fee", "SavingsPlanRecurringFee", "SavingsPlanNegation", "BundledDiscount"];

    private readonly Resource[] _resources = CreateResources(Math.Max(200, (int)Math.Min(20_000, rows / Hours)));

    public long Rows => rows;

    /// <summary>Legacy CUR CSV gzip in numbered files of at most <paramref name="rowsPerFile"/> rows, plus the manifest. Returns the data file paths.</summary>
    public IReadOnlyList<string> WriteLegacyCsv(string directory, long rowsPerFile = 2_000_000)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var cells = new string[Columns.Length];
        var written = 0L;
        while (written < rows)
        {
            var path = Path.Combine(directory, $"bench-{files.Count + 1}.csv.gz");
            files.Add(path);
            using var csv = CurCsvWriter.Gzip(File.Create(path), Columns);
            for (var end = Math.Min(rows, written + rowsPerFile); written < end; written++)
            {
                Fill(written, cells);
                csv.WriteRow(cells);
            }
        }

        var delivery = new LegacyDelivery("cur", "bench", Period, "5d3c5a1e-0000-4000-8000-000000000001");
        var manifest = delivery.Manifest("999999999999", "bench-bucket", Columns, [.. files.Select((_, i) => delivery.DataKey(i + 1))]);
        File.WriteAllText(Path.Combine(directory, "bench-Manifest.json"), manifest);
        return files;
    }

    /// <summary>Legacy CUR Parquet: snake-case names, required columns, doubles for amounts, timestamps, strings.</summary>
    public async Task<string> WriteLegacyParquetAsync(string path, int rowGroupSize = 100_000)
    {
        var columns = Columns.Select(c => new CurColumn(Snake(c), KindOf(c))).ToArray();
        await using var file = File.Create(path);
        await using var parquet = await CurParquetWriter.CreateAsync(file, columns, optional: false, rowGroupSize);
        var cells = new string[Columns.Length];
        for (long row = 0; row < rows; row++)
        {
            Fill(row, cells);
            for (var c = 0; c < columns.Length; c++)
            {
                SetCell(parquet, c, columns[c].Kind, cells[c]);
            }

            await parquet.EndRowAsync();
        }

        return path;
    }

    /// <summary>Parquet column names: <c>category/Name</c> to lower snake case (<c>lineItem/UnblendedCost</c> is <c>line_item_unblended_cost</c>).</summary>
    public static string Snake(string header)
    {
        var text = new StringBuilder();
        foreach (var c in header.Replace(':', '_').Replace('/', '_'))
        {
            if (char.IsUpper(c) && text.Length > 0 && text[^1] != '_')
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    private static CurColumnKind KindOf(string column) => column switch
    {
        "lineItem/UsageStartDate" or "lineItem/UsageEndDate" or "bill/BillingPeriodStartDate" or "bill/BillingPeriodEndDate" => CurColumnKind.Timestamp,
        "lineItem/UsageAmount" or "lineItem/NormalizationFactor" or "lineItem/NormalizedUsageAmount" or "lineItem/UnblendedCost" or "lineItem/BlendedCost"
            or "pricing/publicOnDemandCost" or "reservation/EffectiveCost" or "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"
            or "reservation/UnusedRecurringFee" or "savingsPlan/SavingsPlanEffectiveCost" or "savingsPlan/TotalCommitmentToDate" or "savingsPlan/UsedCommitment" => CurColumnKind.Double,
        _ => CurColumnKind.String,
    };

    /// <summary>A generated cell (text, as CSV holds it) in its Parquet type; an empty amount or time is null (0 in a required column).</summary>
    private static void SetCell(CurParquetWriter parquet, int column, CurColumnKind kind, string cell)
    {
        switch (kind)
        {
            case CurColumnKind.Double:
                parquet.Set(column, cell.Length == 0 ? null : double.Parse(cell, CultureInfo.InvariantCulture));
                break;
            case CurColumnKind.Timestamp:
                parquet.Set(column, cell.Length == 0 ? null : DateTime.Parse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
                break;
            default:
                parquet.Set(column, cell);
                break;
        }
    }

    private void Fill(long index, string[] cells)
    {
        var perHour = Math.Max(1, rows / Hours);
        var hour = (int)Math.Min(Hours - 1, index / perHour);
        var resource = _resources[(int)(index % _resources.Length)];
        var start = MonthStart.AddHours(hour);
        var type = index % 997 < Rare.Length ? Rare[index % 997] : resource.LineItemType;
        var usage = resource.Usage;
        var cost = Math.Round(resource.Rate * usage, 10);
        var unblended = type switch
        {
            "Credit" or "Refund" or "BundledDiscount" => -cost,
            "SavingsPlanNegation" => -cost,
            "DiscountedUsage" => 0m,
            _ => cost,
        };
        var s = string.Empty;
        cells[0] = $"li{index:x}";
        cells[1] = $"{start:yyyy-MM-ddTHH:mm:ssZ}/{start.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}";
        cells[2] = s;
        cells[3] = "AWS";
        cells[4] = "Anniversary";
        cells[5] = "999999999999";
        cells[6] = "2024-03-01T00:00:00Z";
        cells[7] = "2024-04-01T00:00:00Z";
        cells[8] = resource.Account;
        cells[9] = type;
        cells[10] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        cells[11] = start.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        cells[12] = resource.Product;
        cells[13] = resource.UsageType;
        cells[14] = "RunInstances";
        cells[15] = resource.Region + "a";
        cells[16] = type is "Tax" or "Credit" or "Refund" ? s : resource.Id;
        cells[17] = Text(usage);
        cells[18] = "1";
        cells[19] = Text(usage);
        cells[20] = "USD";
        cells[21] = Text(resource.Rate);
        cells[22] = Text(unblended);
        cells[23] = Text(resource.Rate);
        cells[24] = Text(unblended);
        cells[25] = $"{resource.UsageType} usage, \"{resource.Product}\"";
        cells[26] = type == "Tax" ? "VAT" : s;
        cells[27] = "Amazon Web Services, Inc.";
        cells[28] = resource.ProductName;
        cells[29] = resource.InstanceType;
        cells[30] = "US East (N. Virginia)";
        cells[31] = "Linux";
        cells[32] = "Compute Instance";
        cells[33] = resource.Region;
        cells[34] = resource.Region;
        cells[35] = resource.Product;
        cells[36] = resource.Sku;
        cells[37] = resource.UsageType;
        cells[38] = "2";
        cells[39] = "8 GiB";
        cells[40] = Text(Math.Round(cost * 1.3m, 10));
        cells[41] = Text(resource.Rate * 1.3m);
        cells[42] = type == "DiscountedUsage" ? "Reserved" : "OnDemand";
        cells[43] = "Hrs";
        cells[44] = type == "DiscountedUsage" ? Text(Math.Round(cost * 0.6m, 10)) : s;
        cells[45] = type is "DiscountedUsage" or "RIFee" or "Fee" ? $"arn:aws:ec2:{resource.Region}:{resource.Account}:reserved-instances/ri-{resource.Index % 50}" : s;
        cells[46] = type == "RIFee" ? "0.5" : s;
        cells[47] = type == "RIFee" ? "0.25" : s;
        cells[48] = type.StartsWith("SavingsPlan", StringComparison.Ordinal) ? $"arn:aws:savingsplans::{resource.Account}:savingsplan/sp-{resource.Index % 20}" : s;
        cells[49] = type == "SavingsPlanCoveredUsage" ? Text(Math.Round(cost * 0.7m, 10)) : s;
        cells[50] = type == "SavingsPlanRecurringFee" ? "10" : s;
        cells[51] = type == "SavingsPlanRecurringFee" ? "8.5" : s;
        cells[52] = resource.Team;
        cells[53] = resource.Env;
        cells[54] = resource.CostCenter;
        cells[55] = resource.CreatedBy;
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static Resource[] CreateResources(int count)
    {
        var random = new Random(42);
        var accounts = Enumerable.Range(0, 20).Select(i => (100000000000L + (i * 7919L)).ToString(CultureInfo.InvariantCulture)).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            // EC2, S3 and RDS dominate real bills; the long tail of products is thin.
            var product = random.NextDouble() < 0.6 ? Products[random.Next(3)] : Products[random.Next(Products.Length)];
            var region = Regions[random.Next(Regions.Length)];
            var roll = random.NextDouble();
            var type = roll < 0.75 ? "Usage" : roll < 0.87 ? "DiscountedUsage" : "SavingsPlanCoveredUsage";
            var instance = $"m5.{(random.Next(4) switch { 0 => "large", 1 => "xlarge", 2 => "2xlarge", _ => "4xlarge" })}";
            return new Resource(
                i, accounts[random.Next(accounts.Length)], product, $"Amazon {product.Replace("Amazon", string.Empty, StringComparison.Ordinal).Replace("AWS", string.Empty, StringComparison.Ordinal)}",
                region, product == "AmazonEC2" ? $"BoxUsage:{instance}" : $"{product}-Usage-{random.Next(5)}", instance,
                product switch { "AmazonEC2" => $"i-{random.NextInt64():x16}{i:x4}", "AmazonS3" => $"bucket-{i}", _ => $"arn:aws:{product.ToLowerInvariant()}:{region}:{i}:res/{i}" },
                type, Math.Round((decimal)random.NextDouble() * 0.5m + 0.001m, 6), Math.Round((decimal)random.NextDouble() * 3m + 0.1m, 4),
                Teams[random.Next(Teams.Length)], Envs[random.Next(Envs.Length)], random.Next(10) < 8 ? $"cc-{random.Next(30)}" : string.Empty,
                random.Next(3) == 0 ? "arn:aws:iam::1:user/ci" : string.Empty, $"SKU{random.Next(100000):D6}");
        })];
    }

    private sealed record Resource(
        int Index, string Account, string Product, string ProductName, string Region, string UsageType, string InstanceType, string Id,
        string LineItemType, decimal Rate, decimal Usage, string Team, string Env, string CostCenter, string CreatedBy, string Sku);
}
