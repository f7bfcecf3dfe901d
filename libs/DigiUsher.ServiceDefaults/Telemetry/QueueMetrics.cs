using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace DigiUsher.ServiceDefaults.Telemetry;

/// <summary>
/// Depth, consumers and the age of the oldest waiting message of each queue the service consumes
/// (and its <c>_error</c> queue). Depth and consumers are RabbitMQ's own counts, read every 15 s by a
/// passive queue declare on a connection of its own: no management API, port or user tag needed.
/// RabbitMQ tells no message's age (quorum queues have no head timestamp), so the age is bounded
/// from what this replica consumes: the queue is FIFO, every message still waiting was sent after
/// the newest one this replica took, so now minus that message's send time bounds the head's age;
/// when the consumers stop taking messages, the bound keeps growing, which is what an alert needs.
/// </summary>
public sealed partial class QueueMetrics : BackgroundService, IReceiveEndpointObserver, IConsumeObserver
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(15);

    private readonly DigiUsherService _service;
    private readonly IOptions<RabbitMqOptions> _options;
    private readonly ILogger<QueueMetrics> _logger;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, QueueSample> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _newestTaken = new(StringComparer.Ordinal);

    public QueueMetrics(ServiceMeter meter, DigiUsherService service, IOptions<RabbitMqOptions> options, ILogger<QueueMetrics> logger, TimeProvider? clock = null)
    {
        _service = service;
        _options = options;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        meter.Gauge(Instruments.QueueMessages, () => _queues.Select(q => new Measurement<long>(q.Value.Ready, new KeyValuePair<string, object?>("queue", q.Key))));
        meter.Gauge(Instruments.QueueConsumers, () => _queues.Select(q => new Measurement<long>(q.Value.Consumers, new KeyValuePair<string, object?>("queue", q.Key))));
        meter.Gauge(Instruments.QueueOldestMessageAge, () => _queues.Select(q => new Measurement<double>(OldestAge(q.Key, q.Value), new KeyValuePair<string, object?>("queue", q.Key))));
    }

    /// <summary>The queues sampled, with their last counts (for tests and the admin CLI's logic).</summary>
    public IReadOnlyDictionary<string, QueueSample> Queues => _queues;

    /// <summary>An upper bound of the oldest waiting message's age; 0 for an empty queue.</summary>
    public static double OldestAgeBound(long ready, DateTimeOffset? newestTakenSentAt, DateTimeOffset now, DateTimeOffset watchedSince) =>
        ready == 0 ? 0 : Math.Max(0, (now - (newestTakenSentAt ?? watchedSince)).TotalSeconds);

    private double OldestAge(string queue, QueueSample sample) =>
        OldestAgeBound(sample.Ready, _newestTaken.TryGetValue(queue, out var sent) ? sent : null, _clock.GetUtcNow(), sample.WatchedSince);

    // ---- which queues: the service's own receive endpoints (named "<service>-..."), and their _error queues.

    public Task Ready(ReceiveEndpointReady ready)
    {
        var queue = QueueName(ready.InputAddress);
        if (queue.StartsWith(_service.Name + "-", StringComparison.Ordinal))
        {
            _queues.TryAdd(queue, new QueueSample(0, 0, _clock.GetUtcNow()));
            _queues.TryAdd(queue + "_error", new QueueSample(0, 0, _clock.GetUtcNow()));
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    // ---- the newest message taken from each queue.

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class
    {
        var sent = context.SentTime is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : _clock.GetUtcNow();
        _newestTaken.AddOrUpdate(QueueName(context.ReceiveContext.InputAddress), sent, (_, previous) => sent > previous ? sent : previous);
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    // ---- sampling.

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.Value;
        var factory = new ConnectionFactory
        {
            HostName = options.Host,
            Port = options.Port,
            VirtualHost = options.VirtualHost,
            UserName = options.Username,
            Password = options.Password,
            ClientProvidedName = $"{_service.Name} queue metrics",
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        IConnection? connection = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!_queues.IsEmpty)
                    {
                        connection ??= await factory.CreateConnectionAsync(stoppingToken);
                        await SampleAsync(connection, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
                {
                    LogSampleFailed(_logger, ex.Message);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }

                await Task.Delay(SampleInterval, _clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task SampleAsync(IConnection connection, CancellationToken cancellationToken)
    {
        IChannel? channel = null;
        try
        {
            foreach (var queue in _queues.Keys)
            {
                channel ??= await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                    _queues[queue] = _queues[queue] with { Ready = declared.MessageCount, Consumers = declared.ConsumerCount };
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
                {
                    // An _error queue exists only once a message has faulted: none waits in it. The
                    // broker closes the channel on a failed passive declare; the next queue opens another.
                    _queues[queue] = _queues[queue] with { Ready = 0, Consumers = 0 };
                    await channel.DisposeAsync();
                    channel = null;
                }
            }
        }
        finally
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }
        }
    }

    private static string QueueName(Uri address) => address.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue depth not sampled: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}

/// <summary>A queue's last sampled counts.</summary>
public sealed record QueueSample(long Ready, long Consumers, DateTimeOffset WatchedSince);
