namespace DigiUsher.Query.Costs;

/// <summary>How a filter leaf compares a dimension's value.</summary>
public enum MatchOperator
{
    /// <summary>Equal to one of the values (exact, case-sensitive); <c>""</c> is an empty value or a missing label.</summary>
    In,

    /// <summary>Starts with one of the values, case-insensitive.</summary>
    StartsWith,

    /// <summary>Contains one of the values, case-insensitive.</summary>
    Contains,

    /// <summary>The value is empty: a missing tag or category, no region, no resource, no owner.</summary>
    Absent,
}

/// <summary>A filter expression over the dimensions of the rollup: leaves combined with and, or, not.</summary>
public abstract record CostFilter
{
    /// <summary>Every dimension the expression reads.</summary>
    public abstract IEnumerable<CostDimension> Dimensions { get; }

    /// <summary>Canonical text, for binding cursors to the query.</summary>
    public abstract string Fingerprint { get; }
}

public sealed record AndFilter(IReadOnlyList<CostFilter> Operands) : CostFilter
{
    public override IEnumerable<CostDimension> Dimensions => Operands.SelectMany(o => o.Dimensions);

    public override string Fingerprint => "and(" + string.Join(',', Operands.Select(o => o.Fingerprint)) + ")";
}

public sealed record OrFilter(IReadOnlyList<CostFilter> Operands) : CostFilter
{
    public override IEnumerable<CostDimension> Dimensions => Operands.SelectMany(o => o.Dimensions);

    public override string Fingerprint => "or(" + string.Join(',', Operands.Select(o => o.Fingerprint)) + ")";
}

public sealed record NotFilter(CostFilter Operand) : CostFilter
{
    public override IEnumerable<CostDimension> Dimensions => Operand.Dimensions;

    public override string Fingerprint => "not(" + Operand.Fingerprint + ")";
}

public sealed record MatchFilter(CostDimension Dimension, MatchOperator Operator, IReadOnlyList<string> Values) : CostFilter
{
    public override IEnumerable<CostDimension> Dimensions => [Dimension];

    public override string Fingerprint =>
        $"{Dimension.Name.Length}:{Dimension.Name} {Operator} [" + string.Join(',', Values.Order(StringComparer.Ordinal).Select(v => $"{v.Length}:{v}")) + "]";
}
