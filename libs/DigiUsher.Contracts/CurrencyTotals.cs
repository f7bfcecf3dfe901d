namespace DigiUsher.Contracts;

/// <summary>Per-metric totals of an import in one currency (amounts of different currencies are never added).</summary>
/// <param name="Currency">ISO currency code, e.g. USD.</param>
/// <param name="Unblended">Sum of unblended cost (what the invoice sums).</param>
/// <param name="NetUnblended">Sum of net unblended cost (falls back to unblended where the column is absent).</param>
/// <param name="Blended">Sum of blended cost.</param>
/// <param name="Amortized">Sum of amortized (effective) cost.</param>
/// <param name="PublicOnDemand">Sum of public on-demand cost.</param>
/// <param name="UsageAmount">Sum of usage amounts (mixed units; for reconciliation only).</param>
/// <param name="Rows">Rows in this currency.</param>
public sealed record CurrencyTotals(
    string Currency,
    decimal Unblended,
    decimal NetUnblended,
    decimal Blended,
    decimal Amortized,
    decimal PublicOnDemand,
    decimal UsageAmount,
    long Rows);
