using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Demo;

/// <summary>
/// Writes one closed month of legacy CUR (hourly, with resource ids, gzip CSV, "create new report
/// version" layout with its manifests) for the demo account's resources, and keeps the totals it
/// wrote so the demo can show that DigiUsher's figures match the file to the cent.
/// </summary>
public sealed class DemoCurMonth(IReadOnlyList<SeededResource> resources, string payerAccount, DateOnly periodStart)
{
    public const string Prefix = "cur";
    public const string ReportName = "digiusher-demo";

    private static readonly string[] Columns =
    [
        "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity", "bill/BillType", "bill/PayerAccountId",
        "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
        "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation",
        "lineItem/AvailabilityZone", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedRate",
        "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost", "lineItem/LineItemDescription", "product/ProductName",
        "product/region", "product/instanceType", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "pricing/unit",
        "savingsPlan/SavingsPlanARN", "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
        "resourceTags/user:team", "resourceTags/user:owner",
    ];

    public Dictionary<string, decimal> UnblendedByService { get; } = [];

    public decimal TotalUnblended { get; private set; }

    public decimal TotalAmortized { get; private set; }

    public int Rows { get; private set; }

    public string BillingPeriod => periodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public async Task UploadAsync(string motoUrl, string bucket, CancellationToken cancellationToken)
    {
        var delivery = new LegacyDelivery(Prefix, ReportName, DigiUsher.Cur.BillingPeriod.Of(periodStart), Guid.NewGuid().ToString());
        var dataKey = delivery.DataKey(1);
        var csv = CurCsvWriter.GzipBytes(Columns, LineItems());
        var manifest = delivery.Manifest(payerAccount, bucket, Columns, [dataKey]);
        using var s3 = new AmazonS3Client(new BasicAWSCredentials("demo-setup", "demo-setup-secret"),
            new AmazonS3Config { ServiceURL = motoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = dataKey, InputStream = new MemoryStream(csv) }, cancellationToken);
        foreach (var manifestKey in delivery.ManifestKeys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = manifestKey, ContentBody = manifest }, cancellationToken);
        }
    }

    private IEnumerable<IReadOnlyList<string>> LineItems()
    {
        var days = periodStart.AddMonths(1).DayNumber - periodStart.DayNumber;
        var savingsPlanArn = $"arn:aws:savingsplans::{payerAccount}:savingsplan/5f1d1b5e-demo";
        foreach (var resource in resources)
        {
            var (product, productName, usagePrefix, operation, unit) = resource.Kind switch
            {
                "instance" => ("AmazonEC2", "Amazon Elastic Compute Cloud", $"BoxUsage:{resource.Size}", "RunInstances", "Hrs"),
                "volume" => ("AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo"),
                "snapshot" => ("AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:SnapshotUsage", "CreateSnapshot", "GB-Mo"),
                "elastic-ip" => ("AmazonEC2", "Amazon Elastic Compute Cloud", "ElasticIP:IdleAddress", "AssociateAddressVPC", "Hrs"),
                _ => ("AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo"),
            };
            var regionPrefix = resource.Region == "eu-west-1" ? "EU-" : "";
            var hourly = resource.Kind is "instance" or "elastic-ip";
            // web-old was stopped on the 10th: from then on only its volume costs money.
            var activeDays = resource.Size == "t3.medium" ? 10 : days;
            var coveredBySavingsPlan = resource.Size == "c5.xlarge";
            for (var day = 0; day < activeDays; day++)
            {
                var slots = hourly ? 24 : 1;
                for (var slot = 0; slot < slots; slot++)
                {
                    var start = periodStart.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(day).AddHours(hourly ? slot : 0);
                    var end = hourly ? start.AddHours(1) : start.AddDays(1);
                    var cost = decimal.Round(resource.HourlyRate * (hourly ? 1 : 24), 10);
                    var type = coveredBySavingsPlan ? "SavingsPlanCoveredUsage" : "Usage";
                    var effective = coveredBySavingsPlan ? decimal.Round(cost * 0.72m, 10) : 0m;
                    yield return Row(start, end, type, product, productName, regionPrefix + usagePrefix, operation, resource, 1m, cost, unit,
                        resource.HourlyRate.ToString(CultureInfo.InvariantCulture), coveredBySavingsPlan ? savingsPlanArn : "", coveredBySavingsPlan ? effective : null, null, null);
                    if (coveredBySavingsPlan)
                    {
                        yield return Row(start, end, "SavingsPlanNegation", product, productName, regionPrefix + usagePrefix, operation, resource, 0m, -cost, unit, "", savingsPlanArn, null, null, null);
                    }
                }
            }
        }

        // The Savings Plan's commitment, billed daily: slightly more than what the covered instance used.
        var planned = resources.Where(r => r.Size == "c5.xlarge").Sum(r => decimal.Round(r.HourlyRate * 0.72m, 10) * 24m);
        var commitment = decimal.Round(planned * 1.1m, 6);
        for (var day = 0; day < days; day++)
        {
            var start = periodStart.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(day);
            yield return Row(start, start.AddDays(1), "SavingsPlanRecurringFee", "ComputeSavingsPlans", "Savings Plans for AWS Compute usage", "ComputeSP:1yrNoUpfront", "", null, 1m, commitment, "Hrs", "", savingsPlanArn, null, commitment, planned);
        }

        var monthStart = periodStart.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        yield return Row(monthStart, monthStart.AddMonths(1), "Credit", "AmazonEC2", "Amazon Elastic Compute Cloud", "", "", null, 0m, -25m, "", "", "", null, null, null);
        yield return Row(monthStart, monthStart.AddMonths(1), "Tax", "AmazonEC2", "Amazon Elastic Compute Cloud", "", "", null, 0m, decimal.Round(TotalUnblended * 0.08m, 2), "", "", "", null, null, null);
    }

    private string[] Row(DateTime start, DateTime end, string type, string product, string productName, string usageType, string operation, SeededResource? resource,
        decimal usageAmount, decimal cost, string unit, string rate, string savingsPlanArn, decimal? spEffective, decimal? commitment, decimal? used)
    {
        Rows++;
        TotalUnblended += cost;
        UnblendedByService[productName] = UnblendedByService.GetValueOrDefault(productName) + cost;
        TotalAmortized += type switch
        {
            "SavingsPlanCoveredUsage" => spEffective ?? 0m,
            "SavingsPlanNegation" => 0m,
            "SavingsPlanRecurringFee" => (commitment ?? 0m) - (used ?? 0m),
            _ => cost,
        };
        static string Iso(DateTime d) => d.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var periodEnd = periodStart.AddMonths(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var region = resource?.Region ?? "us-east-1";
        var publicCost = type is "Usage" or "SavingsPlanCoveredUsage" ? cost : 0m;
        return
        [
            Guid.NewGuid().ToString("N"), $"{Iso(start)}/{Iso(end)}", "EUINDE26-0001", "AWS", "Anniversary", payerAccount,
            Iso(periodStart.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)), Iso(periodEnd), payerAccount, type,
            Iso(start), Iso(end), product, usageType, operation,
            resource is null ? "" : region + "a", resource?.ResourceId ?? "", Num(usageAmount), "USD", rate,
            Num(cost), rate, Num(cost), $"{type} {usageType}".Trim(), productName,
            region, resource?.Kind == "instance" ? resource.Size : "", Num(publicCost), rate, unit,
            savingsPlanArn, spEffective is null ? "" : Num(spEffective.Value), commitment is null ? "" : Num(commitment.Value), used is null ? "" : Num(used.Value),
            resource?.Team ?? "", resource?.Owner ?? "",
        ];
    }

    private static string Num(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
