namespace DigiUsher.Contracts;

/// <summary>
/// Sums amounts into <see cref="CurrencyTotals"/>, one per currency (amounts of different currencies
/// are never added). Exact: every amount is a <see cref="decimal"/>.
/// </summary>
public sealed class CurrencyTotalsAccumulator
{
    private readonly Dictionary<string, Sums> _byCurrency = new(StringComparer.Ordinal);

    /// <summary>Adds the amounts of <paramref name="rows"/> line items in <paramref name="currency"/>.</summary>
    public void Add(
        string currency, decimal unblended, decimal netUnblended, decimal blended, decimal amortized, decimal publicOnDemand, decimal usageAmount, long rows)
    {
        if (!_byCurrency.TryGetValue(currency, out var sums))
        {
            sums = new Sums();
            _byCurrency[currency] = sums;
        }

        sums.Unblended += unblended;
        sums.NetUnblended += netUnblended;
        sums.Blended += blended;
        sums.Amortized += amortized;
        sums.PublicOnDemand += publicOnDemand;
        sums.UsageAmount += usageAmount;
        sums.Rows += rows;
    }

    /// <summary>Adds a rollup line (it counts as its <see cref="DailyCostLine.LineItems"/> line items).</summary>
    public void Add(DailyCostLine line) => Add(
        line.Currency, line.Unblended, line.NetUnblended, line.Blended, line.Amortized, line.PublicOnDemand, line.UsageAmount, line.LineItems);

    /// <summary>The totals of one currency (zero when nothing was added in it).</summary>
    public CurrencyTotals Of(string currency) =>
        _byCurrency.TryGetValue(currency, out var sums) ? sums.ToTotals(currency) : new CurrencyTotals(currency, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>The currencies added to.</summary>
    public IEnumerable<string> Currencies => _byCurrency.Keys;

    /// <summary>The totals per currency, in ordinal order of the currency code.</summary>
    public IReadOnlyList<CurrencyTotals> ToList() =>
        [.. _byCurrency.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value.ToTotals(c.Key))];

    private sealed class Sums
    {
        public decimal Unblended;
        public decimal NetUnblended;
        public decimal Blended;
        public decimal Amortized;
        public decimal PublicOnDemand;
        public decimal UsageAmount;
        public long Rows;

        public CurrencyTotals ToTotals(string currency) => new(currency, Unblended, NetUnblended, Blended, Amortized, PublicOnDemand, UsageAmount, Rows);
    }
}
