namespace DigiUsher.Cur.Reading;

/// <summary>
/// One normalized CUR line item. Readers fill instances that the caller owns and reuses batch after
/// batch, so per-row work allocates nothing but the strings a pool has not seen yet.
/// </summary>
public sealed class CurLineItem
{
    /// <summary>Index of the file in the delivery's report keys (provenance).</summary>
    public int FileIndex;

    /// <summary>1-based data row within the file (the header is row 0).</summary>
    public long RowNumber;

    public string UsageAccountId = string.Empty;

    /// <summary>The usage account's name (CUR 2.0 only; empty otherwise).</summary>
    public string UsageAccountName = string.Empty;
    public string PayerAccountId = string.Empty;
    public string LineItemType = string.Empty;
    public string ProductCode = string.Empty;
    public string ServiceName = string.Empty;
    public string UsageType = string.Empty;
    public string Operation = string.Empty;
    public string Region = string.Empty;
    public string AvailabilityZone = string.Empty;
    public string ResourceId = string.Empty;
    public string PricingUnit = string.Empty;
    public string Currency = CurValues.DefaultCurrency;
    public string InvoiceId = string.Empty;
    public DateTime UsageStart;
    public DateTime UsageEnd;
    public decimal UsageAmount;
    public decimal Unblended;
    public decimal NetUnblended;
    public decimal Blended;
    public decimal Amortized;

    /// <summary>Amortized cost after the payer's discounts (equals <see cref="Amortized"/> when the CUR has no net columns).</summary>
    public decimal NetAmortized;
    public decimal PublicOnDemand;

    /// <summary>Tags as a JSON object text (<c>{}</c> when none), keys as people know them.</summary>
    public string TagsJson = CurValues.EmptyJsonObject;

    /// <summary>Cost categories as a JSON object text (<c>{}</c> when none).</summary>
    public string CostCategoriesJson = CurValues.EmptyJsonObject;
}
