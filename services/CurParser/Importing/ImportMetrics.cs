using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Telemetry;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// CurParser's instruments (<see cref="Instruments"/>): imports started and ended by outcome, rows
/// and bytes as they are loaded and read, duration and rows per second, and the imports running now.
/// Attributes are the report format and the outcome only: a bounded set of series.
/// </summary>
public sealed class ImportMetrics
{
    private readonly Counter<long> _started;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _throughput;
    private readonly ConcurrentDictionary<ImportTracking, long> _running = new();

    public ImportMetrics(ServiceMeter meter)
    {
        _started = meter.Counter(Instruments.ImportsStarted);
        _completed = meter.Counter(Instruments.ImportsCompleted);
        _rows = meter.Counter(Instruments.ImportRows);
        _bytes = meter.Counter(Instruments.ImportBytes);
        _duration = meter.Histogram(Instruments.ImportDuration);
        _throughput = meter.Histogram(Instruments.ImportThroughput);
        meter.Gauge<long>(Instruments.ImportsRunning, () => [new Measurement<long>(_running.Count)]);
        meter.Gauge<double>(Instruments.ImportRunningAge, () =>
            [new Measurement<double>(_running.IsEmpty ? 0 : Stopwatch.GetElapsedTime(_running.Values.Min()).TotalSeconds)]);
    }

    /// <summary>An import begins; end it with <see cref="ImportTracking.End"/> (disposing without it counts as failed).</summary>
    public ImportTracking Start(ReportFormat format)
    {
        var tracking = new ImportTracking(this, new KeyValuePair<string, object?>("cur.format", FormatName(format)));
        _running[tracking] = Stopwatch.GetTimestamp();
        _started.Add(1, tracking.Format);
        return tracking;
    }

    public static string FormatName(ReportFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>One import's measurements.</summary>
    public sealed class ImportTracking(ImportMetrics metrics, KeyValuePair<string, object?> format) : IDisposable
    {
        private readonly long _startedAt = Stopwatch.GetTimestamp();
        private long _rowsLoaded;
        private bool _ended;

        internal KeyValuePair<string, object?> Format => format;

        public long RowsLoaded => Interlocked.Read(ref _rowsLoaded);

        public void RowsCopied(long rows)
        {
            Interlocked.Add(ref _rowsLoaded, rows);
            metrics._rows.Add(rows, format);
        }

        public void BytesRead(long bytes) => metrics._bytes.Add(bytes, format);

        /// <summary>succeeded, failed, retried, superseded or cancelled.</summary>
        public void End(string outcome)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            metrics._running.TryRemove(this, out _);
            var seconds = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
            var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
            metrics._completed.Add(1, format, outcomeTag);
            metrics._duration.Record(seconds, format, outcomeTag);
            if (outcome == "succeeded" && seconds > 0)
            {
                metrics._throughput.Record(RowsLoaded / seconds, format);
            }
        }

        public void Dispose() => End("failed");
    }
}
