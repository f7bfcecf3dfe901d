using DigiUsher.Contracts;

namespace DigiUsher.CurParser.Importing;

/// <summary>What an import has done so far, counted as it streams (bytes as read from S3, files as opened, rows as COPY takes them).</summary>
public sealed class ImportCounters
{
    private long _rows;
    private long _bytes;
    private int _filesRead;

    public long Rows => Interlocked.Read(ref _rows);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Files read to their end (their S3 stream closed; files may load in parallel).</summary>
    public int FilesDone => Volatile.Read(ref _filesRead);

    public void RowsCopied(long rows) => Interlocked.Add(ref _rows, rows);

    public void BytesRead(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public void FileRead() => Interlocked.Increment(ref _filesRead);
}

/// <summary>Pure: a snapshot of an import's progress and its expected end.</summary>
public static class ImportProgress
{
    /// <summary>
    /// Rows per second since the start, and the expected end of loading from the share of the
    /// delivery's bytes read so far (the files' sizes are known from the announcement; rows are not).
    /// </summary>
    public static (double RowsPerSecond, DateTimeOffset? ExpectedEndAt) Estimate(
        DateTimeOffset startedAt, DateTimeOffset now, long rows, long bytesRead, long totalBytes)
    {
        var elapsed = now - startedAt;
        var rowsPerSecond = elapsed > TimeSpan.Zero ? Math.Round(rows / elapsed.TotalSeconds, 1) : 0;
        if (bytesRead <= 0 || totalBytes <= 0 || elapsed <= TimeSpan.Zero)
        {
            return (rowsPerSecond, null);
        }

        var share = Math.Min(1.0, (double)bytesRead / totalBytes);
        return (rowsPerSecond, now + TimeSpan.FromTicks((long)(elapsed.Ticks * (1 - share) / share)));
    }

    public static ReportImportProgressed Snapshot(
        ReportAvailable m, Guid importId, DateTimeOffset startedAt, ImportCounters counters, string replica, DateTimeOffset now)
    {
        var rows = counters.Rows;
        var (rowsPerSecond, expectedEnd) = Estimate(startedAt, now, rows, counters.Bytes, m.ReportKeys.Sum(k => k.Size));
        return new ReportImportProgressed(
            m.OrganizationId, m.DataSourceId, m.IdempotencyKey, m.BillingPeriod, m.DeliveryId, importId,
            Math.Min(counters.FilesDone, m.ReportKeys.Count), m.ReportKeys.Count, rows, rowsPerSecond, startedAt, expectedEnd, replica, now);
    }
}
