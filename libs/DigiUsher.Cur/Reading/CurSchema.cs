namespace DigiUsher.Cur.Reading;

/// <summary>
/// Where each field we need is in a file, resolved by header name: the column set and order change
/// between months and assemblies (https://docs.aws.amazon.com/cur/latest/userguide/understanding-report-versions.html),
/// and a CSV may carry Parquet-style snake-case names, so <c>lineItem/UnblendedCost</c> and
/// <c>line_item_unblended_cost</c> resolve alike (letters and digits, case-insensitive).
/// </summary>
public sealed class CurSchema
{
    private const string RequiredCost = "lineItem/UnblendedCost";

    private CurSchema(IReadOnlyList<string> columns) => Columns = columns;

    public IReadOnlyList<string> Columns { get; }

    public int UsageAccountId { get; private set; } = -1;

    /// <summary>CUR 2.0 only (<c>line_item_usage_account_name</c>).</summary>
    public int UsageAccountName { get; private set; } = -1;
    public int PayerAccountId { get; private set; } = -1;
    public int LineItemType { get; private set; } = -1;
    public int ProductCode { get; private set; } = -1;
    public int ProductName { get; private set; } = -1;
    public int UsageType { get; private set; } = -1;
    public int Operation { get; private set; } = -1;
    public int Region { get; private set; } = -1;
    public int AvailabilityZone { get; private set; } = -1;
    public int ResourceId { get; private set; } = -1;
    public int UsageStart { get; private set; } = -1;
    public int UsageEnd { get; private set; } = -1;
    public int UsageAmount { get; private set; } = -1;
    public int PricingUnit { get; private set; } = -1;
    public int Currency { get; private set; } = -1;
    public int Unblended { get; private set; } = -1;
    public int NetUnblended { get; private set; } = -1;
    public int Blended { get; private set; } = -1;
    public int PublicOnDemand { get; private set; } = -1;
    public int InvoiceId { get; private set; } = -1;
    public int SavingsPlanEffectiveCost { get; private set; } = -1;
    public int SavingsPlanTotalCommitment { get; private set; } = -1;
    public int SavingsPlanUsedCommitment { get; private set; } = -1;
    public int ReservationEffectiveCost { get; private set; } = -1;
    public int ReservationUnusedAmortizedUpfront { get; private set; } = -1;
    public int ReservationUnusedRecurringFee { get; private set; } = -1;
    public int ReservationArn { get; private set; } = -1;

    /// <summary>The net (after discounts) amortization columns: present only when the payer has discounts.</summary>
    public int NetSavingsPlanEffectiveCost { get; private set; } = -1;
    public int SavingsPlanRecurringCommitment { get; private set; } = -1;
    public int NetSavingsPlanRecurringCommitment { get; private set; } = -1;
    public int SavingsPlanAmortizedUpfrontCommitment { get; private set; } = -1;
    public int NetSavingsPlanAmortizedUpfrontCommitment { get; private set; } = -1;
    public int NetReservationEffectiveCost { get; private set; } = -1;
    public int NetReservationUnusedAmortizedUpfront { get; private set; } = -1;
    public int NetReservationUnusedRecurringFee { get; private set; } = -1;

    /// <summary>CUR 2.0 map columns.</summary>
    public int ProductMap { get; private set; } = -1;
    public int TagsMap { get; private set; } = -1;
    public int CostCategoryMap { get; private set; } = -1;
    public int DiscountMap { get; private set; } = -1;

    /// <summary>Tag columns with their keys, sorted by key.</summary>
    public IReadOnlyList<(int Column, string Key)> TagColumns { get; private set; } = [];

    public IReadOnlyList<(int Column, string Key)> CostCategoryColumns { get; private set; } = [];

    /// <summary>Columns skipped because their header is malformed, in words a person can act on.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Every column index the normalizer reads (Parquet reads only these).</summary>
    public IEnumerable<int> UsedColumns()
    {
        int[] scalars =
        [
            UsageAccountId, UsageAccountName, PayerAccountId, LineItemType, ProductCode, ProductName, UsageType, Operation, Region, AvailabilityZone,
            ResourceId, UsageStart, UsageEnd, UsageAmount, PricingUnit, Currency, Unblended, NetUnblended, Blended, PublicOnDemand,
            InvoiceId, SavingsPlanEffectiveCost, SavingsPlanTotalCommitment, SavingsPlanUsedCommitment, ReservationEffectiveCost,
            ReservationUnusedAmortizedUpfront, ReservationUnusedRecurringFee, ReservationArn, ProductMap, TagsMap, CostCategoryMap,
            NetSavingsPlanEffectiveCost, SavingsPlanRecurringCommitment, NetSavingsPlanRecurringCommitment, SavingsPlanAmortizedUpfrontCommitment,
            NetSavingsPlanAmortizedUpfrontCommitment, NetReservationEffectiveCost, NetReservationUnusedAmortizedUpfront, NetReservationUnusedRecurringFee,
        ];
        return scalars.Where(c => c >= 0).Concat(TagColumns.Select(t => t.Column)).Concat(CostCategoryColumns.Select(t => t.Column)).Distinct();
    }

    /// <exception cref="CurFormatException">A required column is missing.</exception>
    public static CurSchema Resolve(IReadOnlyList<string> headers)
    {
        var schema = new CurSchema(headers);
        var byKey = schema.SortHeaders(headers);
        schema.FindColumns(byKey);
        schema.RequireCostAndStart();
        return schema;
    }

    /// <summary>
    /// Takes the tag, cost category and map columns and the warnings about unusable headers; returns the other
    /// columns by canonical name (the first of a name wins).
    /// </summary>
    private Dictionary<string, int> SortHeaders(IReadOnlyList<string> headers)
    {
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var tags = new List<(int, string)>();
        var categories = new List<(int, string)>();
        var warnings = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i].Trim();
            if (header.Length == 0)
            {
                warnings.Add($"column {i + 1} has an empty header; it was skipped");
                continue;
            }

            if (header.Count(c => c == '/') > 1)
            {
                warnings.Add($"column {i + 1} header '{header}' is malformed (two column names fused?); it was skipped");
                continue;
            }

            if (TryPrefix(header, "resourceTags/", out var tag) || TryPrefix(header, "resource_tags_", out tag))
            {
                tags.Add((i, CurValues.TagKey(tag)));
                continue;
            }

            if (TryPrefix(header, "costCategory/", out var category) || TryPrefix(header, "cost_category_", out category))
            {
                categories.Add((i, category));
                continue;
            }

            switch (header)
            {
                case "product":
                    ProductMap = i;
                    continue;
                case "resource_tags":
                    TagsMap = i;
                    continue;
                case "cost_category":
                    CostCategoryMap = i;
                    continue;
                case "discount":
                    DiscountMap = i;
                    continue;
                default:
                    break;
            }

            byKey.TryAdd(Canonical(header), i);
        }

        TagColumns = [.. tags.OrderBy(t => t.Item2, StringComparer.Ordinal)];
        CostCategoryColumns = [.. categories.OrderBy(t => t.Item2, StringComparer.Ordinal)];
        Warnings = warnings;
        return byKey;
    }

    /// <summary>Each column the reader uses, by its canonical name (the first of the alternatives present), -1 when absent.</summary>
    private void FindColumns(Dictionary<string, int> byKey)
    {
        int Find(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (byKey.TryGetValue(key, out var index))
                {
                    return index;
                }
            }

            return -1;
        }

        UsageAccountId = Find("lineitemusageaccountid");
        UsageAccountName = Find("lineitemusageaccountname");
        PayerAccountId = Find("billpayeraccountid");
        LineItemType = Find("lineitemlineitemtype");
        ProductCode = Find("lineitemproductcode");
        ProductName = Find("productproductname", "productservicename");
        UsageType = Find("lineitemusagetype");
        Operation = Find("lineitemoperation");
        Region = Find("productregioncode", "productregion");
        AvailabilityZone = Find("lineitemavailabilityzone");
        ResourceId = Find("lineitemresourceid");
        UsageStart = Find("lineitemusagestartdate", "identitytimeinterval");
        UsageEnd = Find("lineitemusageenddate");
        UsageAmount = Find("lineitemusageamount");
        PricingUnit = Find("pricingunit");
        Currency = Find("lineitemcurrencycode");
        Unblended = Find("lineitemunblendedcost");
        NetUnblended = Find("lineitemnetunblendedcost");
        Blended = Find("lineitemblendedcost");
        PublicOnDemand = Find("pricingpublicondemandcost");
        InvoiceId = Find("billinvoiceid");
        SavingsPlanEffectiveCost = Find("savingsplansavingsplaneffectivecost");
        SavingsPlanTotalCommitment = Find("savingsplantotalcommitmenttodate");
        SavingsPlanUsedCommitment = Find("savingsplanusedcommitment");
        ReservationEffectiveCost = Find("reservationeffectivecost");
        ReservationUnusedAmortizedUpfront = Find("reservationunusedamortizedupfrontfeeforbillingperiod");
        ReservationUnusedRecurringFee = Find("reservationunusedrecurringfee");
        ReservationArn = Find("reservationreservationarn");
        NetSavingsPlanEffectiveCost = Find("savingsplannetsavingsplaneffectivecost");
        SavingsPlanRecurringCommitment = Find("savingsplanrecurringcommitmentforbillingperiod");
        NetSavingsPlanRecurringCommitment = Find("savingsplannetrecurringcommitmentforbillingperiod");
        SavingsPlanAmortizedUpfrontCommitment = Find("savingsplanamortizedupfrontcommitmentforbillingperiod");
        NetSavingsPlanAmortizedUpfrontCommitment = Find("savingsplannetamortizedupfrontcommitmentforbillingperiod");
        NetReservationEffectiveCost = Find("reservationneteffectivecost");
        NetReservationUnusedAmortizedUpfront = Find("reservationnetunusedamortizedupfrontfeeforbillingperiod");
        NetReservationUnusedRecurringFee = Find("reservationnetunusedrecurringfee");
    }

    private void RequireCostAndStart()
    {
        if (Unblended < 0)
        {
            throw new CurFormatException($"required column {RequiredCost} (line_item_unblended_cost) is missing from the header");
        }

        if (UsageStart < 0)
        {
            throw new CurFormatException("required column lineItem/UsageStartDate (or identity/TimeInterval) is missing from the header");
        }
    }

    /// <summary>The display name of a column for messages.</summary>
    public string NameOf(int column) => column >= 0 && column < Columns.Count ? Columns[column] : $"#{column}";

    private static bool TryPrefix(string header, string prefix, out string rest)
    {
        if (header.Length > prefix.Length && header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            rest = header[prefix.Length..];
            return true;
        }

        rest = string.Empty;
        return false;
    }

    private static string Canonical(string header)
    {
        Span<char> buffer = stackalloc char[Math.Min(header.Length, 256)];
        var length = 0;
        foreach (var c in header)
        {
            if (char.IsAsciiLetterOrDigit(c) && length < buffer.Length)
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        return new string(buffer[..length]);
    }
}
