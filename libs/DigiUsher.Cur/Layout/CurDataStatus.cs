using DigiUsher.Cur.Reading;
using Parquet;

namespace DigiUsher.Cur.Layout;

/// <summary>
/// Legacy Parquet reports carry <c>cost_and_usage_data_status/cost_and_usage_data_status.parquet</c>:
/// one string column <c>status</c>, <c>READY</c> or <c>UPDATING</c> while AWS rewrites the month
/// partitions in place (https://docs.aws.amazon.com/cur/latest/userguide/cur-ate-run.html).
/// </summary>
public static class CurDataStatus
{
    public const string Ready = "READY";
    public const string Updating = "UPDATING";

    /// <summary>The status value, upper-cased, or null when the file has no <c>status</c> value.</summary>
    /// <exception cref="IOException">The bytes are not a Parquet file.</exception>
    public static async Task<string?> ReadAsync(Stream parquet, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(parquet, new ParquetOptions { TreatByteArrayAsString = true }, leaveStreamOpen: true, cancellationToken);
        var field = reader.Schema.GetDataFields().FirstOrDefault(f => f.Name.Equals("status", StringComparison.OrdinalIgnoreCase));
        if (field is null || reader.RowGroupCount == 0)
        {
            return null;
        }

        using var group = reader.OpenRowGroupReader(0);
        if (group.RowCount == 0)
        {
            return null;
        }

        var values = await ParquetColumnReader.ReadStringsAsync(group, field, cancellationToken);
        return values[0]?.Trim().ToUpperInvariant();
    }
}
