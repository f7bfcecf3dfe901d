namespace DigiUsher.Query.Costs;

/// <summary>An amount in one currency (amounts of different currencies are never added).</summary>
public sealed record CurrencyAmount(string Currency, decimal Amount);

/// <summary>How a group's amount moved against the previous period.</summary>
/// <param name="Amount">Current minus previous.</param>
/// <param name="Percent">The change in percent of the previous amount (two decimals); null when the previous amount is zero.</param>
public sealed record CostChange(decimal Amount, decimal? Percent)
{
    public static CostChange Between(decimal current, decimal previous) =>
        new(current - previous, previous == 0m ? null : decimal.Round((current - previous) * 100m / Math.Abs(previous), 2, MidpointRounding.AwayFromZero));
}

/// <summary>A usage amount in one pricing unit (quantities of different units are never added).</summary>
/// <param name="Unit">The pricing unit (Hrs, GB-Mo, Requests, ...; empty when the CUR gives none).</param>
/// <param name="Amount">The quantity in the period.</param>
/// <param name="Previous">The quantity in the previous period, when compared.</param>
/// <param name="Change">Against the previous period, when compared.</param>
public sealed record UsageQuantity(string Unit, decimal Amount, decimal? Previous, CostChange? Change);

/// <summary>What a resource group is, beside its id (discovery's view, or the kind its id implies).</summary>
/// <param name="Name">The resource's Name tag or name, when discovered.</param>
/// <param name="Kind">ec2-instance, ebs-volume, s3-bucket, ...; inferred from the id when not discovered; null when unknown.</param>
/// <param name="Owner">The owner's email, when assigned.</param>
/// <param name="Discovered">Whether discovery has seen the resource.</param>
public sealed record CostResource(string? Name, string? Kind, string? Owner, bool Discovered);

/// <summary>One group of a cost answer: its keys, time bucket and currency, and every metric asked for.</summary>
/// <param name="Time">The bucket (hour, day, week's first day, month); absent for granularity total.</param>
/// <param name="Keys">The group's value per grouped dimension ("" for an empty value or a missing label).</param>
/// <param name="Names">Display names of the keys that have one: service names, account names, resource names.</param>
/// <param name="Resource">When grouped by resource: its name, kind and owner.</param>
/// <param name="Currency">The currency of every amount of the group.</param>
/// <param name="Amounts">The cost metrics asked for, by metric name.</param>
/// <param name="Usage">When <c>usageAmount</c> is asked for: the quantity per pricing unit.</param>
/// <param name="Previous">When compared: the cost metrics over the previous period.</param>
/// <param name="Change">When compared: per cost metric, the change against the previous period.</param>
public sealed record CostItem(
    string? Time,
    IReadOnlyDictionary<string, string> Keys,
    IReadOnlyDictionary<string, string>? Names,
    CostResource? Resource,
    string Currency,
    IReadOnlyDictionary<string, decimal> Amounts,
    IReadOnlyList<UsageQuantity>? Usage,
    IReadOnlyDictionary<string, decimal>? Previous,
    IReadOnlyDictionary<string, CostChange>? Change);

/// <summary>The sums of every group in one currency.</summary>
public sealed record CostTotal(
    string Currency,
    IReadOnlyDictionary<string, decimal> Amounts,
    IReadOnlyList<UsageQuantity>? Usage,
    IReadOnlyDictionary<string, decimal>? Previous,
    IReadOnlyDictionary<string, CostChange>? Change);

/// <summary>What a cost answer is made of, per data source and billing period it read.</summary>
/// <param name="DataSourceId">The data source.</param>
/// <param name="DataSourceName">Its name.</param>
/// <param name="BillingPeriod">The month (<c>yyyy-MM</c>).</param>
/// <param name="ImportId">The import whose rollup the answer read.</param>
/// <param name="DeliveryId">The CUR delivery that import read.</param>
/// <param name="IsFinal">Whether AWS has closed the month (its invoice is issued); null when not yet known.</param>
/// <param name="DataAsOf">When that delivery was imported: the answer knows the month as AWS reported it then.</param>
/// <param name="LastUsageDay">The newest usage day in the delivery.</param>
public sealed record CostSource(
    Guid DataSourceId,
    string? DataSourceName,
    string BillingPeriod,
    Guid ImportId,
    string? DeliveryId,
    bool? IsFinal,
    DateTimeOffset DataAsOf,
    DateOnly? LastUsageDay);

/// <summary>A page of a cost query's groups, its totals, and what it was read from, all from one snapshot.</summary>
public sealed record CostAnswer(IReadOnlyList<CostItem> Items, IReadOnlyList<CostTotal> Totals, long ItemCount, IReadOnlyList<CostSource> Sources)
{
    /// <summary>The oldest import the answer read: every figure is at least this fresh.</summary>
    public DateTimeOffset? DataAsOf => Sources.Count == 0 ? null : Sources.Min(s => s.DataAsOf);
}
