using Dapper;
using DigiUsher.ServiceDefaults.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Telemetry;

/// <summary>
/// The outbox backlog of the service and the age of its oldest unpublished row, read from Postgres
/// every 15 s (the partial index on unpublished rows keeps it cheap). A growing age means events are
/// committed but not reaching the broker.
/// </summary>
public sealed partial class OutboxMetrics : BackgroundService
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _dataSource;
    private readonly OutboxWriter _writer;
    private readonly ILogger<OutboxMetrics> _logger;
    private (long Rows, double OldestSeconds) _sample;

    public OutboxMetrics(ServiceMeter meter, NpgsqlDataSource dataSource, OutboxWriter writer, ILogger<OutboxMetrics> logger)
    {
        _dataSource = dataSource;
        _writer = writer;
        _logger = logger;
        meter.Gauge<long>(Instruments.OutboxBacklog, () => [new(_sample.Rows)]);
        meter.Gauge<double>(Instruments.OutboxOldestAge, () => [new(_sample.OldestSeconds)]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                _sample = await connection.QuerySingleAsync<(long, double)>(
                    $"select count(*), coalesce(extract(epoch from now() - min(created_at)), 0)::float8 from {_writer.Schema}.outbox where dispatched_at is null");
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogSampleFailed(_logger, ex.Message);
            }

            await Task.Delay(SampleInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox backlog not sampled: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}
