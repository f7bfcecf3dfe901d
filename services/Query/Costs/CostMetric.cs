namespace DigiUsher.Query.Costs;

/// <summary>
/// A summed measure of the rollup. Costs are amounts in the line's currency; the usage amount is a
/// quantity in its pricing unit, so it is summed per unit and never across units.
/// </summary>
/// <param name="Name">The API name (camelCase).</param>
/// <param name="Column">The column of the read model.</param>
/// <param name="Description">What it is, for the documentation.</param>
public sealed record CostMetric(string Name, string Column, string Description)
{
    public static readonly CostMetric Unblended = new("unblended", "unblended", "what the invoice charges, before discounts");
    public static readonly CostMetric NetUnblended = new("netUnblended", "net_unblended", "unblended after discounts (EDP, private pricing)");
    public static readonly CostMetric Blended = new("blended", "blended", "at the consolidated family's average rate");
    public static readonly CostMetric Amortized = new("amortized", "amortized", "effective cost: Savings Plans and Reserved Instances spread over the usage they cover");
    public static readonly CostMetric NetAmortized = new("netAmortized", "net_amortized", "amortized after discounts");
    public static readonly CostMetric PublicOnDemand = new("publicOnDemand", "public_on_demand", "the same usage at public on-demand prices");
    public static readonly CostMetric UsageAmount = new("usageAmount", "usage_amount", "usage quantity, per pricing unit (Hrs, GB-Mo, ...)");

    public static readonly IReadOnlyList<CostMetric> All = [Unblended, NetUnblended, Blended, Amortized, NetAmortized, PublicOnDemand, UsageAmount];

    /// <summary>
    /// <c>GET /api/v1/costs?metric=usage_amount</c> as it has always answered: quantities summed whatever their
    /// units, in one amount per group. Not offered by the query endpoint, whose <see cref="UsageAmount"/> keeps units apart.
    /// </summary>
    public static readonly CostMetric UsageAmountAllUnits = new("usage_amount", "usage_amount", "usage quantities summed whatever their units");

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Name)];

    public bool IsUsage => ReferenceEquals(this, UsageAmount);

    /// <summary>The metric named <paramref name="name"/> exactly; null when none is.</summary>
    public static CostMetric? Parse(string? name) => All.FirstOrDefault(m => m.Name == name);
}
