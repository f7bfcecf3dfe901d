namespace DigiUsher.Cur.Reading;

/// <summary>
/// Reuses one string instance per distinct value of a column (accounts, usage types, resource ids
/// repeat every hour), so a million rows do not allocate a million copies. Bounded: past
/// <c>capacity</c> distinct values new ones are simply allocated.
/// </summary>
public sealed class StringPool(int capacity)
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        var lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var created = value.ToString();
        if (_values.Count < capacity)
        {
            _values.Add(created, created);
        }

        return created;
    }
}
