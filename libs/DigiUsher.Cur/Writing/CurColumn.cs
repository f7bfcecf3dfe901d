namespace DigiUsher.Cur.Writing;

/// <summary>What a column of a written CUR file holds, as Parquet types it (a CSV file holds every kind as text).</summary>
public enum CurColumnKind
{
    /// <summary>Text: ids, codes, rates (AWS writes rates as strings).</summary>
    String,

    /// <summary>An amount: AWS writes costs and usage as doubles.</summary>
    Double,

    /// <summary>A UTC instant.</summary>
    Timestamp,

    /// <summary>A CUR 2.0 <c>map&lt;string,string&gt;</c> (<c>product</c>, <c>resource_tags</c>, <c>cost_category</c>, <c>discount</c>).</summary>
    Map,
}

/// <summary>A column of a CUR file to write: its name as the format spells it, and what it holds.</summary>
public sealed record CurColumn(string Name, CurColumnKind Kind)
{
    /// <summary>The type a Data Exports manifest states for the column.</summary>
    public string ManifestType => Kind switch
    {
        CurColumnKind.Double => "double",
        CurColumnKind.Timestamp => "timestamp",
        CurColumnKind.Map => "map<string,string>",
        _ => "string",
    };
}
