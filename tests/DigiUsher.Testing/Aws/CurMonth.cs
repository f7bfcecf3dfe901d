using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DigiUsher.Cur.Writing;

namespace DigiUsher.Testing.Aws;

/// <summary>
/// Writes one month of legacy CUR (gzip CSV, "create new report version" layout: the assembly folder
/// and both manifests, https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html)
/// billing each seeded resource its daily cost, and keeps the expected sums. A bigger delivery (to watch
/// an import while it loads) has several <paramref name="files"/>, each billing every resource-day
/// <paramref name="copies"/> times: the sums grow by files × copies.
/// </summary>
public sealed class CurMonth(IReadOnlyList<SeededResource> resources, string payerAccount, DateOnly periodStart, int files = 1, int copies = 1)
{
    public const string Prefix = "cur";
    public const string ReportName = "e2e-report";

    private static readonly string[] Columns =
    [
        "identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/BillingEntity", "bill/BillType", "bill/PayerAccountId",
        "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
        "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation",
        "lineItem/AvailabilityZone", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedRate",
        "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost", "lineItem/LineItemDescription", "product/ProductName",
        "product/region", "pricing/publicOnDemandCost", "pricing/unit", "resourceTags/user:team",
    ];

    public int Days => periodStart.AddMonths(1).DayNumber - periodStart.DayNumber;

    public string BillingPeriod => periodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public string From => periodStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public string To => periodStart.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public decimal Total => resources.Sum(r => r.DailyCost) * Days * files * copies;

    public long Rows => (long)resources.Count * Days * files * copies;

    public int Files => files;

    public decimal ByService(string productCode) => resources.Where(r => r.ProductCode == productCode).Sum(r => r.DailyCost) * Days * files * copies;

    public decimal ByTeam(string team) => resources.Where(r => r.Team == team).Sum(r => r.DailyCost) * Days * files * copies;

    public decimal ByResource(string id) => resources.Where(r => r.ResourceId == id).Sum(r => r.DailyCost) * Days * files * copies;

    /// <summary>What the month bills usage account <paramref name="accountId"/> (the payer's own resources have none set).</summary>
    public decimal ByAccount(string accountId) => resources.Where(r => (r.AccountId ?? payerAccount) == accountId).Sum(r => r.DailyCost) * Days * files * copies;

    public async Task UploadAsync(string motoUrl, string bucket, AWSCredentials? credentials = null)
    {
        var delivery = new LegacyDelivery(Prefix, ReportName, DigiUsher.Cur.BillingPeriod.Of(periodStart), Guid.NewGuid().ToString());
        var dataKeys = Enumerable.Range(1, files).Select(i => delivery.DataKey(i)).ToList();
        var manifest = delivery.Manifest(payerAccount, bucket, Columns, dataKeys);
        using var s3 = new AmazonS3Client(credentials ?? new BasicAWSCredentials("e2e-setup", "e2e-setup-secret"),
            new AmazonS3Config { ServiceURL = motoUrl, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        foreach (var dataKey in dataKeys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = dataKey, InputStream = new MemoryStream(CurCsvWriter.GzipBytes(Columns, LineItems())) });
        }

        foreach (var key in delivery.ManifestKeys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = manifest });
        }
    }

    /// <summary>Each resource's daily cost, one line item per resource and day (<c>copies</c> times), billed to its account.</summary>
    private IEnumerable<IReadOnlyList<string>> LineItems()
    {
        var start = periodStart.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = start.AddMonths(1);
        foreach (var resource in Enumerable.Repeat(resources, copies).SelectMany(r => r))
        {
            for (var day = 0; day < Days; day++)
            {
                var from = start.AddDays(day);
                var cost = resource.DailyCost.ToString(CultureInfo.InvariantCulture);
                yield return
                [
                    Guid.NewGuid().ToString("N"), $"{Iso(from)}/{Iso(from.AddDays(1))}", "", "AWS", "Anniversary", payerAccount,
                    Iso(start), Iso(end), resource.AccountId ?? payerAccount, "Usage", Iso(from), Iso(from.AddDays(1)), resource.ProductCode, resource.UsageType, "Run",
                    "us-east-1a", resource.ResourceId, "1", "USD", cost, cost, cost, cost, resource.UsageType,
                    resource.ProductCode == "AmazonS3" ? "Amazon Simple Storage Service" : "Amazon Elastic Compute Cloud",
                    "us-east-1", cost, "Hrs", resource.Team,
                ];
            }
        }
    }

    private static string Iso(DateTime d) => d.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
