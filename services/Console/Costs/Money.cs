using System.Globalization;
using DigiUsher.Client.Query;

namespace DigiUsher.Console.Costs;

/// <summary>How amounts read: grouped digits, two decimals (more when smaller than a cent), always with their currency.</summary>
public static class Money
{
    public static string Format(decimal amount, string? currency) =>
        $"{amount.ToString(Math.Abs(amount) is > 0m and < 0.01m ? "#,0.######" : "#,0.00", CultureInfo.InvariantCulture)} {currency}".TrimEnd();

    /// <summary>Several currencies side by side, never added: "12.00 USD + 3.00 EUR".</summary>
    public static string Format(IEnumerable<CurrencyAmount> amounts)
    {
        var list = amounts.ToList();
        return list.Count == 0 ? Format(0m, null) : string.Join(" + ", list.Select(a => Format(a.Amount, a.Currency)));
    }

    /// <summary>An amount in a currency, as the Query API answers it.</summary>
    public static CurrencyAmount Amount(string currency, decimal amount) => new() { Currency = currency, Amount = amount };

    public static string Quantity(decimal amount) => amount.ToString("#,0.####", CultureInfo.InvariantCulture);

    public static string Percent(decimal part, decimal whole) =>
        whole == 0m ? "–" : (part / whole).ToString("0.0%", CultureInfo.InvariantCulture);
}
