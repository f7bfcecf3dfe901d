using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// Turns one row of any CUR format into a <see cref="CurLineItem"/>: dimensions by header name,
/// <c>decimal</c> amounts, amortized cost per the FOCUS/CID rules (CUR.md §4), tags keyed as people know them.
/// </summary>
public sealed class CurNormalizer
{
    private static readonly JavaScriptEncoder JsonEncoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>
    /// Distinct map texts remembered per map column (CUR 2.0), and the longest one remembered: real tag
    /// and product maps are a few hundred characters; a hostile file cannot make the cache hold more than ~16 MB.
    /// </summary>
    private const int MapTextCacheCapacity = 8_192;
    private const int MapTextCacheMaxLength = 1_024;

    private readonly CurSchema _schema;
    private readonly StringPool _accounts;
    private readonly StringPool _dimensions;
    private readonly StringPool _usageTypes;
    private readonly StringPool _resources;
    private readonly StringPool _json;
    private readonly string[] _escapedTagKeys;
    private readonly string[] _escapedCategoryKeys;
    private readonly StringBuilder _buffer = new(256);
    private readonly List<KeyValuePair<string, string>> _mapEntries = [];
    private readonly List<KeyValuePair<string, string>> _mapTags = [];
    private readonly Dictionary<string, string> _mapTagKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, string RegionCode, string Region)> _productByText = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tagsByText = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _categoriesByText = new(StringComparer.Ordinal);
    private ReadOnlyMemory<char> _lastStartText;
    private char[] _lastStartBuffer = new char[32];
    private DateTime _lastStart;

    public CurNormalizer(CurSchema schema, CurReaderOptions options)
    {
        _schema = schema;
        _accounts = new StringPool(options.StringPoolCapacity);
        _dimensions = new StringPool(options.StringPoolCapacity);
        _usageTypes = new StringPool(options.StringPoolCapacity);
        _resources = new StringPool(options.StringPoolCapacity);
        _json = new StringPool(options.StringPoolCapacity);
        _escapedTagKeys = [.. schema.TagColumns.Select(t => JsonSerializer.Serialize(t.Key))];
        _escapedCategoryKeys = [.. schema.CostCategoryColumns.Select(t => JsonSerializer.Serialize(t.Key))];
    }

    /// <summary>True once a row carried an invoice id (the month's invoice is issued: the data is final).</summary>
    public bool SawInvoiceId { get; private set; }

    public void Fill(ICurRowSource row, CurLineItem item)
    {
        var s = _schema;
        item.UsageAccountId = Text(row, s.UsageAccountId, _accounts);
        item.UsageAccountName = Text(row, s.UsageAccountName, _accounts);
        item.PayerAccountId = Text(row, s.PayerAccountId, _accounts);
        item.LineItemType = Text(row, s.LineItemType, _dimensions);
        item.ProductCode = Text(row, s.ProductCode, _dimensions);
        item.ServiceName = Text(row, s.ProductName, _dimensions);
        item.UsageType = Text(row, s.UsageType, _usageTypes);
        item.Operation = Text(row, s.Operation, _usageTypes);
        item.Region = Text(row, s.Region, _dimensions);
        item.AvailabilityZone = Text(row, s.AvailabilityZone, _dimensions);
        item.ResourceId = Text(row, s.ResourceId, _resources);
        item.PricingUnit = Text(row, s.PricingUnit, _dimensions);
        var currency = Text(row, s.Currency, _dimensions);
        item.Currency = currency.Length == 0 ? CurValues.DefaultCurrency : currency;
        item.InvoiceId = Text(row, s.InvoiceId, _accounts);
        if (item.InvoiceId.Length > 0)
        {
            SawInvoiceId = true;
        }

        item.UsageStart = Start(row);
        item.UsageEnd = s.UsageEnd >= 0 ? row.Timestamp(s.UsageEnd) ?? item.UsageStart : item.UsageStart;
        item.UsageAmount = Amount(row, s.UsageAmount) ?? 0m;
        var unblended = row.Decimal(s.Unblended) ?? 0m;
        item.Unblended = unblended;
        // The column exists only when the payer has discounts; without it net equals unblended.
        item.NetUnblended = s.NetUnblended >= 0 ? row.Decimal(s.NetUnblended) ?? unblended : unblended;
        item.Blended = s.Blended >= 0 ? row.Decimal(s.Blended) ?? 0m : unblended;
        item.PublicOnDemand = Amount(row, s.PublicOnDemand) ?? 0m;
        item.Amortized = Amortize(row, item.LineItemType, unblended);
        item.NetAmortized = NetAmortize(row, item.LineItemType, item.Amortized, item.NetUnblended);

        if (s.ProductMap >= 0 && (item.ServiceName.Length == 0 || item.Region.Length == 0))
        {
            FillFromProductMap(row, item);
        }

        if (item.ServiceName.Length == 0)
        {
            item.ServiceName = item.ProductCode;
        }

        item.TagsJson = Tags(row);
        item.CostCategoriesJson = CostCategories(row);
    }

    /// <summary>
    /// Effective cost per line, as finopsfoundation/focus_converters <c>effective_cost_S001.yaml</c> and the
    /// AWS CID dashboards compute it (https://docs.aws.amazon.com/cur/latest/userguide/cur-sp.html).
    /// </summary>
    private decimal Amortize(ICurRowSource row, string lineItemType, decimal unblended)
    {
        var s = _schema;
        switch (lineItemType)
        {
            case "SavingsPlanCoveredUsage":
                return s.SavingsPlanEffectiveCost >= 0 ? row.Decimal(s.SavingsPlanEffectiveCost) ?? 0m : unblended;
            case "SavingsPlanRecurringFee":
                // Only the unused part of the commitment is a cost of its own; the used part is in the covered usage.
                return s.SavingsPlanTotalCommitment >= 0
                    ? (row.Decimal(s.SavingsPlanTotalCommitment) ?? 0m) - (Amount(row, s.SavingsPlanUsedCommitment) ?? 0m)
                    : unblended;
            case "SavingsPlanNegation":
            case "SavingsPlanUpfrontFee":
                return 0m;
            case "DiscountedUsage":
                return s.ReservationEffectiveCost >= 0 ? row.Decimal(s.ReservationEffectiveCost) ?? 0m : unblended;
            case "RIFee":
                return s.ReservationUnusedAmortizedUpfront >= 0 || s.ReservationUnusedRecurringFee >= 0
                    ? (Amount(row, s.ReservationUnusedAmortizedUpfront) ?? 0m) + (Amount(row, s.ReservationUnusedRecurringFee) ?? 0m)
                    : unblended;
            case "Fee":
                // An RI's upfront fee is amortized into the DiscountedUsage lines' effective cost.
                return s.ReservationArn >= 0 && !row.Text(s.ReservationArn).Trim().IsEmpty ? 0m : unblended;
            default:
                return unblended;
        }
    }

    /// <summary>
    /// Effective cost after the payer's discounts: the net twin of each column <see cref="Amortize"/> reads, where the
    /// CUR has it (the net columns exist only for payers with discounts, e.g. an EDP:
    /// https://docs.aws.amazon.com/cur/latest/userguide/cur-sp.html and reservation-columns.html). A Savings Plan's unused
    /// commitment has no net column of its own: it is scaled by the plan's net-to-gross commitment ratio, as the FinOps
    /// community's cloud-savings query does. Without net columns, net amortized equals amortized (net unblended for plain usage).
    /// </summary>
    private decimal NetAmortize(ICurRowSource row, string lineItemType, decimal amortized, decimal netUnblended)
    {
        var s = _schema;
        switch (lineItemType)
        {
            case "SavingsPlanCoveredUsage":
                return Amount(row, s.NetSavingsPlanEffectiveCost) ?? amortized;
            case "SavingsPlanRecurringFee":
                return amortized * (Ratio(row, s.NetSavingsPlanRecurringCommitment, s.SavingsPlanRecurringCommitment)
                    ?? Ratio(row, s.NetSavingsPlanAmortizedUpfrontCommitment, s.SavingsPlanAmortizedUpfrontCommitment)
                    ?? 1m);
            case "DiscountedUsage":
                return Amount(row, s.NetReservationEffectiveCost) ?? amortized;
            case "RIFee":
                return s.NetReservationUnusedAmortizedUpfront >= 0 || s.NetReservationUnusedRecurringFee >= 0
                    ? (Amount(row, s.NetReservationUnusedAmortizedUpfront) ?? 0m) + (Amount(row, s.NetReservationUnusedRecurringFee) ?? 0m)
                    : amortized;
            case "SavingsPlanNegation":
            case "SavingsPlanUpfrontFee":
            case "Fee":
                return amortized == 0m ? 0m : netUnblended;
            default:
                return netUnblended;
        }

        static decimal? Ratio(ICurRowSource row, int netColumn, int grossColumn) =>
            Amount(row, netColumn) is { } net && Amount(row, grossColumn) is { } gross && gross != 0m ? net / gross : null;
    }

    private DateTime Start(ICurRowSource row)
    {
        // Hourly reports repeat the same start text on thousands of consecutive rows.
        var text = row.Text(_schema.UsageStart);
        if (!text.IsEmpty && text.SequenceEqual(_lastStartText.Span))
        {
            return _lastStart;
        }

        var value = row.Timestamp(_schema.UsageStart)
            ?? throw new CurFormatException($"column {_schema.NameOf(_schema.UsageStart)} is empty; every line item needs a usage start");
        if (!text.IsEmpty && text.Length <= 64)
        {
            if (_lastStartBuffer.Length < text.Length)
            {
                _lastStartBuffer = new char[64];
            }

            text.CopyTo(_lastStartBuffer);
            _lastStartText = _lastStartBuffer.AsMemory(0, text.Length);
            _lastStart = value;
        }

        return value;
    }

    private static decimal? Amount(ICurRowSource row, int column) => column >= 0 ? row.Decimal(column) : null;

    private static string Text(ICurRowSource row, int column, StringPool pool) =>
        column >= 0 ? row.PooledText(column) ?? pool.Get(row.Text(column).Trim()) : string.Empty;

    private void FillFromProductMap(ICurRowSource row, CurLineItem item)
    {
        // A CSV gives the map as JSON text (a Parquet reader, a text identifying the row's map), which repeats
        // row after row for the same product: read each distinct map once.
        var text = row.Text(_schema.ProductMap);
        var lookup = _productByText.GetAlternateLookup<ReadOnlySpan<char>>();
        if (text.IsEmpty || !lookup.TryGetValue(text, out var product))
        {
            _mapEntries.Clear();
            row.ReadMap(_schema.ProductMap, _mapEntries);
            product = (string.Empty, string.Empty, string.Empty);
            foreach (var (key, value) in _mapEntries)
            {
                product = key switch
                {
                    "product_name" when product.Name.Length == 0 => product with { Name = _dimensions.Get(value) },
                    "region_code" when product.RegionCode.Length == 0 => product with { RegionCode = _dimensions.Get(value) },
                    "region" when product.Region.Length == 0 => product with { Region = _dimensions.Get(value) },
                    _ => product,
                };
            }

            RememberMap(_productByText, text, product);
        }

        if (item.ServiceName.Length == 0)
        {
            item.ServiceName = product.Name;
        }

        if (item.Region.Length == 0)
        {
            item.Region = product.RegionCode.Length > 0 ? product.RegionCode : product.Region;
        }
    }

    private string Tags(ICurRowSource row)
    {
        var columns = _schema.TagColumns;
        if (_schema.TagsMap >= 0)
        {
            if (columns.Count == 0)
            {
                return MapJson(row, _schema.TagsMap, _tagsByText, tags: true);
            }

            _mapTags.Clear();
            AddMapEntries(row, _schema.TagsMap, tags: true);
            foreach (var (column, key) in columns)
            {
                var value = row.Text(column).Trim();
                if (!value.IsEmpty)
                {
                    _mapTags.Add(new(key, value.ToString()));
                }
            }

            return JsonOf(_mapTags);
        }

        return JsonOfColumns(row, columns, _escapedTagKeys);
    }

    /// <summary>A map column as a JSON object, read once per distinct map text.</summary>
    private string MapJson(ICurRowSource row, int column, Dictionary<string, string> byText, bool tags)
    {
        var text = row.Text(column);
        var lookup = byText.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!text.IsEmpty && lookup.TryGetValue(text, out var cached))
        {
            return cached;
        }

        _mapTags.Clear();
        AddMapEntries(row, column, tags);
        var json = JsonOf(_mapTags);
        RememberMap(byText, text, json);
        return json;
    }

    private static void RememberMap<T>(Dictionary<string, T> byText, ReadOnlySpan<char> text, T value)
    {
        if (!text.IsEmpty && text.Length <= MapTextCacheMaxLength && byText.Count < MapTextCacheCapacity)
        {
            byText[text.ToString()] = value;
        }
    }

    private void AddMapEntries(ICurRowSource row, int column, bool tags)
    {
        _mapEntries.Clear();
        row.ReadMap(column, _mapEntries);
        foreach (var (key, value) in _mapEntries)
        {
            if (value.Length > 0)
            {
                _mapTags.Add(new(tags ? MapTagKey(key) : key, value));
            }
        }
    }

    /// <summary>The tag key of a map entry, remembered: a month repeats the same few keys on every row.</summary>
    private string MapTagKey(string raw)
    {
        if (_mapTagKeys.TryGetValue(raw, out var key))
        {
            return key;
        }

        key = CurValues.TagKey(raw);
        if (_mapTagKeys.Count < 4096)
        {
            _mapTagKeys[raw] = key;
        }

        return key;
    }

    private string CostCategories(ICurRowSource row) =>
        _schema.CostCategoryMap >= 0
            ? MapJson(row, _schema.CostCategoryMap, _categoriesByText, tags: false)
            : JsonOfColumns(row, _schema.CostCategoryColumns, _escapedCategoryKeys);

    private string JsonOfColumns(ICurRowSource row, IReadOnlyList<(int Column, string Key)> columns, string[] escapedKeys)
    {
        if (columns.Count == 0)
        {
            return CurValues.EmptyJsonObject;
        }

        _buffer.Clear();
        for (var i = 0; i < columns.Count; i++)
        {
            var value = row.Text(columns[i].Column).Trim();
            if (value.IsEmpty)
            {
                continue;
            }

            _buffer.Append(_buffer.Length == 0 ? '{' : ',').Append(escapedKeys[i]).Append(':');
            AppendJsonString(value);
        }

        if (_buffer.Length == 0)
        {
            return CurValues.EmptyJsonObject;
        }

        _buffer.Append('}');
        return Intern();
    }

    private string JsonOf(List<KeyValuePair<string, string>> entries)
    {
        if (entries.Count == 0)
        {
            return CurValues.EmptyJsonObject;
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        _buffer.Clear();
        foreach (var (key, value) in entries)
        {
            _buffer.Append(_buffer.Length == 0 ? '{' : ',');
            AppendJsonString(key);
            _buffer.Append(':');
            AppendJsonString(value);
        }

        _buffer.Append('}');
        return Intern();
    }

    private string Intern()
    {
        Span<char> chars = _buffer.Length <= 1024 ? stackalloc char[_buffer.Length] : new char[_buffer.Length];
        _buffer.CopyTo(0, chars, _buffer.Length);
        return _json.Get(chars);
    }

    private void AppendJsonString(ReadOnlySpan<char> value)
    {
        _buffer.Append('"');
        if (value.ContainsAny('"', '\\') || value.ContainsAnyInRange('\0', '\u001f'))
        {
            var escaped = JsonEncoder.Encode(value.ToString());
            _buffer.Append(escaped);
        }
        else
        {
            _buffer.Append(value);
        }

        _buffer.Append('"');
    }
}
