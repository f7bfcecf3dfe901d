namespace DigiUsher.Query.Costs;

/// <summary>What a dimension is: a column of the rollup, a resource tag, or a cost category.</summary>
public enum CostDimensionKind
{
    Plain,
    Tag,
    CostCategory,
}

/// <summary>
/// A dimension cost queries group and filter by, named as a client writes it: <c>service</c>,
/// <c>tag:team</c>, <c>costCategory:Business Unit</c>.
/// </summary>
/// <param name="Kind">Column, tag or cost category.</param>
/// <param name="Name">The name as the API shows it (keys of groups, CSV headers).</param>
/// <param name="Key">The tag key or category name; null for a plain dimension.</param>
public sealed record CostDimension(CostDimensionKind Kind, string Name, string? Key)
{
    public const string TagPrefix = "tag:";
    public const string CostCategoryPrefix = "costCategory:";

    /// <summary>The plain dimensions, in the order the API lists them.</summary>
    public static readonly IReadOnlyList<string> PlainNames =
        ["service", "account", "region", "usageType", "lineItemType", "pricingUnit", "resource", "owner"];

    /// <summary>What the hourly rollup keeps: every dimension but the resource (and so its owner).</summary>
    public static readonly IReadOnlyList<string> HourlyNames = ["service", "account", "region", "usageType", "lineItemType", "pricingUnit"];

    /// <summary>How dimensions are written, for error messages.</summary>
    public static string Allowed => string.Join(", ", PlainNames) + ", tag:KEY, costCategory:NAME";

    public static readonly CostDimension Service = new(CostDimensionKind.Plain, "service", null);
    public static readonly CostDimension Account = new(CostDimensionKind.Plain, "account", null);
    public static readonly CostDimension Resource = new(CostDimensionKind.Plain, "resource", null);
    public static readonly CostDimension Owner = new(CostDimensionKind.Plain, "owner", null);

    /// <summary>A resource tag or a cost category: read from a label column, not a dimension column.</summary>
    public bool IsLabel => Kind != CostDimensionKind.Plain;

    /// <summary>Needs the per-resource rollup (the pre-aggregates have no resource).</summary>
    public bool NeedsResource => Kind == CostDimensionKind.Plain && Name is "resource" or "owner";

    /// <summary>The dimension named <paramref name="name"/> (plain names without regard to case); null when none is.</summary>
    public static CostDimension? Parse(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        if (name.StartsWith(TagPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Label(CostDimensionKind.Tag, name[TagPrefix.Length..]);
        }

        if (name.StartsWith(CostCategoryPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Label(CostDimensionKind.CostCategory, name[CostCategoryPrefix.Length..]);
        }

        var plain = PlainNames.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
        return plain is null ? null : new CostDimension(CostDimensionKind.Plain, plain, null);
    }

    public static CostDimension? Label(CostDimensionKind kind, string? key) =>
        string.IsNullOrEmpty(key) || key.Length > 256 ? null
        : new CostDimension(kind, (kind == CostDimensionKind.Tag ? TagPrefix : CostCategoryPrefix) + key, key);

    /// <summary>The label kind as <c>daily_label_costs.label_kind</c> stores it.</summary>
    public char LabelKind => Kind == CostDimensionKind.Tag ? 't' : 'c';
}
