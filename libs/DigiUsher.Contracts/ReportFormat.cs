namespace DigiUsher.Contracts;

/// <summary>The physical format of a CUR delivery.</summary>
public enum ReportFormat
{
    /// <summary>Legacy CUR, gzip-compressed CSV files listed by a manifest.</summary>
    CsvGzip,

    /// <summary>Legacy CUR, zip-compressed CSV files listed by a manifest.</summary>
    CsvZip,

    /// <summary>Legacy CUR in Parquet (Athena layout, <c>year=YYYY/month=M</c>).</summary>
    Parquet,

    /// <summary>CUR 2.0 (Data Exports) in Parquet, with map columns.</summary>
    Cur2Parquet,

    /// <summary>CUR 2.0 (Data Exports) as gzip CSV, map columns as JSON text.</summary>
    Cur2CsvGzip,
}
