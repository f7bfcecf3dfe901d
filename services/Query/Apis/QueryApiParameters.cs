using DigiUsher.Query.Findings;
using DigiUsher.ServiceDefaults.Api;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query.Apis;

/// <summary>The query parameters of Query's operations, declared once (see <see cref="ApiParameter"/>).</summary>
public static class QueryApiParameters
{
    public static readonly ApiParameter From = new("from", ApiParameterType.Date, "First day included (yyyy-MM-dd); default: the first day of the current month (UTC).")
    {
        Example = "2025-06-01",
    };

    public static readonly ApiParameter To = new("to", ApiParameterType.Date,
        "Last day included (yyyy-MM-dd); default: the last day of the current month. The range spans at most 13 months.")
    {
        Example = "2025-06-30",
    };

    public static readonly ApiParameter Metric = new("metric", ApiParameterType.String,
        "The metric summed (default unblended): unblended, net_unblended, amortized (effective cost: Savings Plans and Reserved Instances applied), net_amortized, "
        + "blended, public_on_demand, usage_amount (quantities of every unit added; POST /api/v1/costs/query keeps units apart).")
    {
        Values = CostQueryParser.MetricNames,
        SchemaName = "Metric",
    };

    public static readonly ApiParameter DataSourceId = new("dataSourceId", ApiParameterType.Uuid, "Only this data source.");

    public static readonly ApiParameter StartsWith = new("startsWith", ApiParameterType.String, "Only values starting with this text (case-insensitive).");

    public static readonly ApiParameter GroupBy = new("groupBy", ApiParameterType.String,
        "Up to three dimensions to group by: service, account, region, resource, usageType, lineItemType, pricingUnit, owner, day, month, tag:KEY or costCategory:NAME.")
    {
        Repeated = true,
        Example = "service,day",
    };

    public static readonly ApiParameter Tags = new("tag:", ApiParameterType.String,
        "Tag filters, one parameter per tag key: tag:KEY=VALUE[,VALUE...]; tag:KEY= (empty) selects what lacks the tag.")
    {
        Prefix = true,
        ObjectName = "tags",
        Repeated = true,
    };

    /// <summary>The dimension filters of the cost queries (<c>service=AmazonEC2,AmazonS3</c>).</summary>
    public static readonly ApiParameter[] CostFilters =
    [
        Filter("service", "Service (product) codes, e.g. AmazonEC2.", "AmazonEC2,AmazonS3"),
        Filter("account", "Usage account ids.", "123456789012"),
        Filter("region", "Region codes; empty for costs without a region.", "us-east-1"),
        Filter("resource", "Resource ids as the CUR writes them.", "i-0abc123"),
        Filter("usageType", "Usage types.", "BoxUsage:m5.large"),
        Filter("lineItemType", "Line item types (Usage, Tax, Credit, SavingsPlanCoveredUsage, ...).", "Usage"),
        Filter("owner", "Owners: employee emails or the employeeId shown on owners; empty for unowned.", "ana@example.com"),
    ];

    public static readonly ApiParameter Kind = new("kind", ApiParameterType.String,
        "Resource kinds: ec2-instance, ebs-volume, ebs-snapshot, elastic-ip, s3-bucket, iam-user, iam-access-key, and kinds inferred from cost ids.")
    {
        Repeated = true,
    };

    public static readonly ApiParameter Region = Filter("region", "Region codes.", "us-east-1");

    public static readonly ApiParameter Owner = Filter("owner", "Owners: employee emails or employee ids.", "ana@example.com");

    public static readonly ApiParameter Public = new("public", ApiParameterType.Boolean, "Only publicly exposed resources (true) or only private ones (false).");

    public static readonly ApiParameter Idle = new("idle", ApiParameterType.Boolean, "Only idle instances (true) or only busy ones (false), by the findings' CPU rule.");

    public static readonly ApiParameter Discovered = new("discovered", ApiParameterType.Boolean,
        "true: only resources discovery found; false: only costs without a discovered resource.");

    public static readonly ApiParameter FindingType = new("type", ApiParameterType.String, "Only these finding types.")
    {
        Values = FindingTypes.All,
        SchemaName = "FindingType",
        Repeated = true,
    };

    /// <summary><c>limit</c> with the configured default and maximum page sizes.</summary>
    public static ApiParameter Limit(IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<ApiOptions>>().Value;
        return ApiParameter.Limit(options.DefaultPageSize, options.MaxPageSize);
    }

    private static ApiParameter Filter(string name, string description, string example) =>
        new(name, ApiParameterType.String, description + " Comma-separated or repeated.") { Repeated = true, Example = example };
}
