using System.Globalization;
using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

/// <summary>
/// A generated account's hourly line items over whole months, and the two rollups CurParser would
/// serve of them (daily per resource; hourly without the resource), so the tests can check the API's
/// answers against sums computed here, independently of Query's SQL. Deterministic (seeded).
/// </summary>
public sealed class GeneratedCosts
{
    public static readonly (string Id, string? Name, string Currency)[] Accounts =
        [("111111111111", "Production", "USD"), ("222222222222", "Staging", "USD"), ("333333333333", null, "EUR")];

    public static readonly Dictionary<string, string> ServiceNames = new()
    {
        ["AmazonEC2"] = "Amazon Elastic Compute Cloud",
        ["AmazonS3"] = "Amazon Simple Storage Service",
        ["AmazonRDS"] = "Amazon Relational Database Service",
        ["AWSSupportBusiness"] = "AWS Support (Business)",
    };

    private GeneratedCosts(IReadOnlyList<CostItem> items) => Items = items;

    /// <summary>Every line item, hourly.</summary>
    public IReadOnlyList<CostItem> Items { get; }

    /// <summary>Line items from <paramref name="first"/> (a month's first day) for <paramref name="months"/> months, up to <paramref name="until"/> (excluded).</summary>
    public static GeneratedCosts Create(DateOnly first, int months, DateOnly until, int seed = 19)
    {
        var random = new Random(seed);
        var resources = Resources();
        var items = new List<CostItem>();
        var end = first.AddMonths(months);
        for (var day = first; day < end && day < until; day = day.AddDays(1))
        {
            foreach (var resource in resources)
            {
                if (random.NextDouble() < 0.1)
                {
                    continue; // Some resources do not run every day.
                }

                for (var hour = 0; hour < 24; hour += resource.EveryHours)
                {
                    var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);
                    var cost = decimal.Round(resource.Rate * (decimal)(0.5 + random.NextDouble()), 6);
                    items.Add(resource.At(at, cost));
                }
            }

            // Daily lines without a resource: tax, a credit, and the support fee on the first of the month.
            var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            items.Add(new CostItem(dayStart, "111111111111", "AmazonEC2", "us-east-1", "Tax", "Tax", "", "", Tags(), Categories("Retail"), "USD", decimal.Round(0.37m + day.Day * 0.01m, 6), 0m));
            items.Add(new CostItem(dayStart, "222222222222", "AmazonRDS", "eu-west-1", "Credit", "Usage:db.t3.micro", "Hrs", "", Tags(), Categories(null), "USD", -0.25m, 0m));
            if (day.Day == 1)
            {
                items.Add(new CostItem(dayStart, "111111111111", "AWSSupportBusiness", "", "Fee", "Dollar", "", "", Tags(), Categories("Platform"), "USD", 100m, 1m));
            }
        }

        return new GeneratedCosts(items);
    }

    public IReadOnlyList<DailyCostLine> Daily() =>
    [
        .. Items.GroupBy(i => (Day: DateOnly.FromDateTime(i.Hour.UtcDateTime), i.Account, i.Service, i.Region, i.UsageType, i.LineItemType, i.ResourceId,
                TagText: Text(i.Tags), i.Currency, i.Unit, CategoryText: Text(i.Categories)))
            .Select(g =>
            {
                var first = g.First();
                return new DailyCostLine(g.Key.Day, first.Account, first.Service, ServiceNames[first.Service], first.Region, first.UsageType, first.LineItemType,
                    first.ResourceId, first.Tags, first.Currency, g.Sum(i => i.Unblended), g.Sum(i => i.NetUnblended), g.Sum(i => i.Blended), g.Sum(i => i.Amortized),
                    g.Sum(i => i.PublicOnDemand), g.Sum(i => i.UsageAmount), g.LongCount(), first.Unit, first.Categories,
                    Accounts.Single(a => a.Id == first.Account).Name, g.Sum(i => i.NetAmortized));
            }),
    ];

    public IReadOnlyList<HourlyCostLine> Hourly(DateOnly from) =>
    [
        .. Items.Where(i => DateOnly.FromDateTime(i.Hour.UtcDateTime) >= from)
            .GroupBy(i => (i.Hour, i.Account, i.Service, i.Region, i.UsageType, i.LineItemType, i.Unit, TagText: Text(i.Tags), CategoryText: Text(i.Categories), i.Currency))
            .Select(g =>
            {
                var first = g.First();
                return new HourlyCostLine(g.Key.Hour, first.Account, first.Service, first.Region, first.UsageType, first.LineItemType, first.Unit, first.Tags,
                    first.Categories, first.Currency, g.Sum(i => i.Unblended), g.Sum(i => i.NetUnblended), g.Sum(i => i.Blended), g.Sum(i => i.Amortized),
                    g.Sum(i => i.NetAmortized), g.Sum(i => i.PublicOnDemand), g.Sum(i => i.UsageAmount), g.LongCount());
            }),
    ];

    /// <summary>The line items of one billing period.</summary>
    public GeneratedCosts Month(DateOnly monthStart) =>
        new([.. Items.Where(i => DateOnly.FromDateTime(i.Hour.UtcDateTime) is var d && d >= monthStart && d < monthStart.AddMonths(1))]);

    private static string Text(IReadOnlyDictionary<string, string> map) => string.Join(';', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static Dictionary<string, string> Tags(string? team = null, string? env = null)
    {
        var tags = new Dictionary<string, string>();
        if (team is not null)
        {
            tags["team"] = team;
        }

        if (env is not null)
        {
            tags["env"] = env;
        }

        return tags;
    }

    private static Dictionary<string, string> Categories(string? unit) => unit is null ? [] : new() { ["Business Unit"] = unit };

    private static List<Resource> Resources() =>
    [
        new("i-0web1", "111111111111", "AmazonEC2", "us-east-1", "BoxUsage:m5.large", "Usage", "Hrs", Tags("web", "prod"), Categories("Retail"), 0.096m, 1),
        new("i-0web2", "111111111111", "AmazonEC2", "us-east-1", "BoxUsage:m5.large", "SavingsPlanCoveredUsage", "Hrs", Tags("web", "prod"), Categories("Retail"), 0.096m, 1),
        new("i-0data1", "222222222222", "AmazonEC2", "eu-west-1", "EU-BoxUsage:r5.xlarge", "Usage", "Hrs", Tags("data", "dev"), Categories("Platform"), 0.282m, 1),
        new("i-0stray", "222222222222", "AmazonEC2", "eu-west-1", "EU-BoxUsage:t3.micro", "Usage", "Hrs", Tags(), Categories(null), 0.0114m, 2),
        new("vol-0data", "222222222222", "AmazonEC2", "eu-west-1", "EU-EBS:VolumeUsage.gp3", "Usage", "GB-Mo", Tags("data"), Categories("Platform"), 0.011m, 1),
        new("logs-bucket", "111111111111", "AmazonS3", "us-east-1", "TimedStorage-ByteHrs", "Usage", "GB-Mo", Tags("data", "prod"), Categories(null), 0.0031m, 1),
        new("logs-bucket", "111111111111", "AmazonS3", "us-east-1", "Requests-Tier1", "Usage", "Requests", Tags("data", "prod"), Categories(null), 0.0049m, 3),
        new("db-orders", "333333333333", "AmazonRDS", "eu-west-1", "EU-InstanceUsage:db.m5.large", "Usage", "Hrs", Tags("web", "prod"), Categories("Retail"), 0.178m, 1),
        new("arn:aws:ec2:us-east-1:111111111111:snapshot/snap-0old", "111111111111", "AmazonEC2", "us-east-1", "EBS:SnapshotUsage", "Usage", "GB-Mo", Tags(null, "dev"), Categories(null), 0.0021m, 6),
    ];

    /// <summary>One hourly line item.</summary>
    public sealed record CostItem(
        DateTimeOffset Hour, string Account, string Service, string Region, string LineItemType, string UsageType, string Unit, string ResourceId,
        IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, string> Categories, string Currency, decimal Unblended, decimal UsageAmount)
    {
        public decimal NetUnblended => decimal.Round(Unblended * 0.95m, 6);

        public decimal Blended => decimal.Round(Unblended * 1.01m, 6);

        public decimal Amortized => LineItemType == "SavingsPlanCoveredUsage" ? decimal.Round(Unblended * 0.7m, 6) : Unblended;

        public decimal NetAmortized => decimal.Round(Amortized * 0.95m, 6);

        public decimal PublicOnDemand => LineItemType is "Usage" or "SavingsPlanCoveredUsage" ? decimal.Round(Unblended * 1.3m, 6) : 0m;

        public DateOnly Day => DateOnly.FromDateTime(Hour.UtcDateTime);

        /// <summary>The value of a dimension as the API names it ("" when empty or missing).</summary>
        public string Value(string dimension) => dimension switch
        {
            "service" => Service,
            "account" => Account,
            "region" => Region,
            "usageType" => UsageType,
            "lineItemType" => LineItemType,
            "pricingUnit" => Unit,
            "resource" => ResourceId.StartsWith("arn:aws:ec2:", StringComparison.Ordinal) ? ResourceId[(ResourceId.LastIndexOf('/') + 1)..] : ResourceId,
            _ when dimension.StartsWith("tag:", StringComparison.Ordinal) => Tags.GetValueOrDefault(dimension[4..]) ?? "",
            _ when dimension.StartsWith("costCategory:", StringComparison.Ordinal) => Categories.GetValueOrDefault(dimension[13..]) ?? "",
            _ => throw new ArgumentException(dimension),
        };

        public decimal Metric(string metric) => metric switch
        {
            "unblended" => Unblended,
            "netUnblended" => NetUnblended,
            "blended" => Blended,
            "amortized" => Amortized,
            "netAmortized" => NetAmortized,
            "publicOnDemand" => PublicOnDemand,
            "usageAmount" => UsageAmount,
            _ => throw new ArgumentException(metric),
        };
    }

    private sealed record Resource(
        string Id, string Account, string Service, string Region, string UsageType, string LineItemType, string Unit,
        Dictionary<string, string> Tags, Dictionary<string, string> Categories, decimal Rate, int EveryHours)
    {
        public CostItem At(DateTimeOffset hour, decimal cost) => new(
            hour, Account, Service, Region, LineItemType, UsageType, Unit, Id, Tags, Categories,
            Accounts.Single(a => a.Id == Account).Currency, cost, Unit == "Requests" ? 1000m : decimal.Round(cost * 10m, 6));
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
