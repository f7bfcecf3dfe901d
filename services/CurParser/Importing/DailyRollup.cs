using System.Text.Encodings.Web;
using System.Text.Json;
using DigiUsher.Cur.Reading;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// The daily rollup of an import, summed while its rows stream by, so the swap need not re-read the
/// month's line items: the same groups and sums as the SQL rollup (<c>ImportStore.RollUpInSqlAsync</c>),
/// exact (decimals). Bounded: once it holds <c>capacity</c> groups, <see cref="Add"/> hands them out to be
/// written to the import's partition as partial sums and starts afresh (<see cref="Spilled"/>); the partial
/// sums are merged in SQL at the end (<c>ImportStore.WriteRollupAsync</c>), which reads the rollup's few
/// rows, not the month's line items. So memory follows the number of groups up to a fixed cap, never the month.
/// Thread-safe: the files of a delivery load in parallel into one rollup.
/// </summary>
public sealed class DailyRollup(int capacity)
{
    private const int JsonCacheCapacity = 65_536;

    private static readonly JsonSerializerOptions CanonicalJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<Key, Sums> _groups = [];
    private readonly Dictionary<string, string> _canonicalJson = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private readonly int _capacity = Math.Max(1, capacity);

    /// <summary>Groups were handed out before the end: the partition holds partial sums to merge.</summary>
    public bool Spilled { get; private set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>
    /// Adds the first <paramref name="count"/> items (one batch, under one lock). Returns the groups to write
    /// now as partial sums when the rollup reached its capacity during the batch (it then starts afresh), else null.
    /// </summary>
    public List<DailyRollupLine>? Add(CurLineItem[] items, int count)
    {
        List<DailyRollupLine>? spill = null;
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                if (!AddOne(items[i]))
                {
                    spill ??= [];
                    spill.AddRange(Lines());
                    _groups.Clear();
                    Spilled = true;
                    AddOne(items[i]);
                }
            }
        }

        return spill;
    }

    /// <summary>The groups, in no particular order (the table has none either).</summary>
    public IEnumerable<DailyRollupLine> Lines()
    {
        foreach (var (key, sums) in _groups)
        {
            yield return new DailyRollupLine(key, sums);
        }
    }

    private bool AddOne(CurLineItem item)
    {
        // As `(usage_start at time zone 'UTC')::date` and `group by ... tags, cost_categories` (jsonb equality).
        var key = new Key(
            DateOnly.FromDateTime(item.UsageStart.Kind == DateTimeKind.Local ? item.UsageStart.ToUniversalTime() : item.UsageStart),
            item.UsageAccountId, item.ProductCode, item.ServiceName, item.Region, item.UsageType, item.LineItemType, item.ResourceId,
            Canonical(item.TagsJson), item.Currency, item.PricingUnit, Canonical(item.CostCategoriesJson));
        if (!_groups.TryGetValue(key, out var sums))
        {
            if (_groups.Count >= _capacity)
            {
                return false;
            }

            sums = new Sums();
            _groups[key] = sums;
        }

        sums.Unblended += item.Unblended;
        sums.NetUnblended += item.NetUnblended;
        sums.Blended += item.Blended;
        sums.Amortized += item.Amortized;
        sums.PublicOnDemand += item.PublicOnDemand;
        sums.UsageAmount += item.UsageAmount;
        sums.NetAmortized += item.NetAmortized;
        sums.LineItems++;
        // max(usage_account_name collate "C"): one account's name within a day, the greatest byte-wise if it changed.
        if (string.CompareOrdinal(item.UsageAccountName, sums.UsageAccountName) > 0)
        {
            sums.UsageAccountName = item.UsageAccountName;
        }

        return true;
    }

    /// <summary>
    /// The JSON object as jsonb compares it: duplicate keys keep the last value, key order and escapes do
    /// not matter. Two files of a delivery may order their tag columns differently; the SQL rollup
    /// groups their rows together, so must this one. Remembered per text (a month repeats a few).
    /// </summary>
    private string Canonical(string json)
    {
        if (json.Length <= 2)
        {
            return json;
        }

        if (_canonicalJson.TryGetValue(json, out var canonical))
        {
            return canonical;
        }

        // The normalizer writes objects of strings only; anything else is left as it is.
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(json))
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return json;
                }

                entries[property.Name] = property.Value.GetString()!;
            }
        }

        canonical = JsonSerializer.Serialize(entries, CanonicalJson);
        if (_canonicalJson.Count < JsonCacheCapacity)
        {
            _canonicalJson[json] = canonical;
        }

        return canonical;
    }

    internal readonly record struct Key(
        DateOnly Day, string UsageAccountId, string ProductCode, string ServiceName, string Region, string UsageType, string LineItemType,
        string ResourceId, string Tags, string Currency, string PricingUnit, string CostCategories);

    // Not CurrencyTotalsAccumulator's sums: a group here is a day's line of the rollup (twelve dimensions, not a
    // currency), it also sums the net amortized cost and keeps the greatest account name, and the groups are capped.
    internal sealed class Sums
    {
        public decimal Unblended;
        public decimal NetUnblended;
        public decimal Blended;
        public decimal Amortized;
        public decimal PublicOnDemand;
        public decimal UsageAmount;
        public decimal NetAmortized;
        public long LineItems;
        public string UsageAccountName = string.Empty;
    }
}

/// <summary>One group of <see cref="DailyRollup"/>: a row of the import's <c>daily_costs</c> partition.</summary>
public readonly struct DailyRollupLine
{
    private readonly DailyRollup.Key _key;
    private readonly DailyRollup.Sums _sums;

    internal DailyRollupLine(DailyRollup.Key key, DailyRollup.Sums sums)
    {
        _key = key;
        _sums = sums;
    }

    public DateOnly Day => _key.Day;

    public string UsageAccountId => _key.UsageAccountId;

    public string ProductCode => _key.ProductCode;

    public string ServiceName => _key.ServiceName;

    public string Region => _key.Region;

    public string UsageType => _key.UsageType;

    public string LineItemType => _key.LineItemType;

    public string ResourceId => _key.ResourceId;

    public string Tags => _key.Tags;

    public string Currency => _key.Currency;

    public string PricingUnit => _key.PricingUnit;

    public string CostCategories => _key.CostCategories;

    public decimal Unblended => _sums.Unblended;

    public decimal NetUnblended => _sums.NetUnblended;

    public decimal Blended => _sums.Blended;

    public decimal Amortized => _sums.Amortized;

    public decimal PublicOnDemand => _sums.PublicOnDemand;

    public decimal UsageAmount => _sums.UsageAmount;

    public decimal NetAmortized => _sums.NetAmortized;

    public long LineItems => _sums.LineItems;

    public string UsageAccountName => _sums.UsageAccountName;
}
