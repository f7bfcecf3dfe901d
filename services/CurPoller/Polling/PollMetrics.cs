using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Lifecycle;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Telemetry;
using Npgsql;

namespace DigiUsher.CurPoller.Polling;

/// <summary>
/// CurPoller's instruments (<see cref="Instruments"/>): deliveries found and announced, polls and
/// their duration, and, read from Postgres every 15 s, the deliveries still pending and how long
/// the least recently polled data source has waited. No per-data-source series.
/// </summary>
public sealed partial class PollMetrics : BackgroundService
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(15);

    private readonly Counter<long> _found;
    private readonly Counter<long> _announced;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _duration;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PollMetrics> _logger;
    private (long Pending, double Staleness) _sample;

    public PollMetrics(ServiceMeter meter, NpgsqlDataSource dataSource, ILogger<PollMetrics> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _found = meter.Counter(Instruments.DeliveriesFound);
        _announced = meter.Counter(Instruments.DeliveriesAnnounced);
        _failed = meter.Counter(Instruments.PollsFailed);
        _duration = meter.Histogram(Instruments.PollDuration);
        meter.Gauge<long>(Instruments.DeliveriesPending, () => [new Measurement<long>(_sample.Pending)]);
        meter.Gauge<double>(Instruments.PollStaleness, () => [new Measurement<double>(_sample.Staleness)]);
    }

    /// <summary>A delivery was announced: <paramref name="first"/> when the poll found it new.</summary>
    public void Announced(bool first)
    {
        if (first)
        {
            _found.Add(1);
        }

        _announced.Add(1);
    }

    /// <summary>A poll ended (started at <paramref name="startedAt"/>, a <see cref="Stopwatch"/> timestamp).</summary>
    public void PollEnded(long startedAt, bool succeeded)
    {
        _duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));
        if (!succeeded)
        {
            _failed.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                _sample = await connection.QuerySingleAsync<(long, double)>(
                    $"""
                    select (select count(*) from {CurPollerDb.Schema}.deliveries where status = any(@pending)),
                           coalesce((select extract(epoch from max(now() - coalesce(last_polled_at, created_at)))
                                     from {CurPollerDb.Schema}.data_sources where removed_at is null), 0)::float8
                    """,
                    new { pending = StatusText.Of(DeliveryLifecycle.Pending) });
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogSampleFailed(_logger, ex.Message);
            }

            await Task.Delay(SampleInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Poller gauges not sampled: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}
