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
                    schema.ProductMap = i;
                    continue;
                case "resource_tags":
                    schema.TagsMap = i;
                    continue;
                case "cost_category":
                    schema.CostCategoryMap = i;
                    continue;
                case "discount":
                    schema.DiscountMap = i;
                    continue;
                default:
                    break;
            }

            byKey.TryAdd(Canonical(header), i);
        }

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

        schema.UsageAccountId = Find("lineitemusageaccountid");
        schema.UsageAccountName = Find("lineitemusageaccountname");
        schema.PayerAccountId = Find("billpayeraccountid");
        schema.LineItemType = Find("lineitemlineitemtype");
        schema.ProductCode = Find("lineitemproductcode");
        schema.ProductName = Find("productproductname", "productservicename");
        schema.UsageType = Find("lineitemusagetype");
        schema.Operation = Find("lineitemoperation");
        schema.Region = Find("productregioncode", "productregion");
        schema.AvailabilityZone = Find("lineitemavailabilityzone");
        schema.ResourceId = Find("lineitemresourceid");
        schema.UsageStart = Find("lineitemusagestartdate", "identitytimeinterval");
        schema.UsageEnd = Find("lineitemusageenddate");
        schema.UsageAmount = Find("lineitemusageamount");
        schema.PricingUnit = Find("pricingunit");
        schema.Currency = Find("lineitemcurrencycode");
        schema.Unblended = Find("lineitemunblendedcost");
        schema.NetUnblended = Find("lineitemnetunblendedcost");
        schema.Blended = Find("lineitemblendedcost");
        schema.PublicOnDemand = Find("pricingpublicondemandcost");
        schema.InvoiceId = Find("billinvoiceid");
        schema.SavingsPlanEffectiveCost = Find("savingsplansavingsplaneffectivecost");
        schema.SavingsPlanTotalCommitment = Find("savingsplantotalcommitmenttodate");
        schema.SavingsPlanUsedCommitment = Find("savingsplanusedcommitment");
        schema.ReservationEffectiveCost = Find("reservationeffectivecost");
        schema.ReservationUnusedAmortizedUpfront = Find("reservationunusedamortizedupfrontfeeforbillingperiod");
        schema.ReservationUnusedRecurringFee = Find("reservationunusedrecurringfee");
        schema.ReservationArn = Find("reservationreservationarn");
        schema.NetSavingsPlanEffectiveCost = Find("savingsplannetsavingsplaneffectivecost");
        schema.SavingsPlanRecurringCommitment = Find("savingsplanrecurringcommitmentforbillingperiod");
        schema.NetSavingsPlanRecurringCommitment = Find("savingsplannetrecurringcommitmentforbillingperiod");
        schema.SavingsPlanAmortizedUpfrontCommitment = Find("savingsplanamortizedupfrontcommitmentforbillingperiod");
        schema.NetSavingsPlanAmortizedUpfrontCommitment = Find("savingsplannetamortizedupfrontcommitmentforbillingperiod");
        schema.NetReservationEffectiveCost = Find("reservationneteffectivecost");
        schema.NetReservationUnusedAmortizedUpfront = Find("reservationnetunusedamortizedupfrontfeeforbillingperiod");
        schema.NetReservationUnusedRecurringFee = Find("reservationnetunusedrecurringfee");
        schema.TagColumns = [.. tags.OrderBy(t => t.Item2, StringComparer.Ordinal)];
        schema.CostCategoryColumns = [.. categories.OrderBy(t => t.Item2, StringComparer.Ordinal)];
        schema.Warnings = warnings;

        if (schema.Unblended < 0)
        {
            throw new CurFormatException($"required column {RequiredCost} (line_item_unblended_cost) is missing from the header");
        }

        if (schema.UsageStart < 0)
        {
            throw new CurFormatException("required column lineItem/UsageStartDate (or identity/TimeInterval) is missing from the header");
        }

        return schema;
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
