using System.Diagnostics;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Publishes committed outbox rows in order, with the row's message id (consumers deduplicate on it),
/// woken by <c>NOTIFY</c> and by a one-second timer. Rows are locked with SKIP LOCKED, so several
/// replicas dispatch without publishing one row twice at once. A publish the broker does not confirm
/// within <see cref="RabbitMqOptions.PublishTimeout"/> fails the batch, which is published again: a row
/// is marked dispatched only once every publish before it was confirmed.
/// </summary>
public sealed partial class OutboxDispatcher(
    NpgsqlDataSource dataSource,
    OutboxWriter writer,
    IBus bus,
    IOptions<RabbitMqOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly Dictionary<string, Type> ContractTypes = typeof(IIntegrationMessage).Assembly.GetTypes()
        .Where(t => t.IsClass && t.FullName is not null)
        .ToDictionary(t => t.FullName!, StringComparer.Ordinal);

    private static readonly ActivitySource Tracing = new($"{ServiceDefaultsExtensions.TelemetryPrefix}.Outbox");

    private readonly SemaphoreSlim _signal = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = ListenAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchBatchAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDispatchFailed(logger, ex);
            }

            await _signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(long Id, Guid MessageId, string MessageType, string Body, string? TraceParent)>(
            $"""
            select id, message_id, message_type, body::text, trace_parent from {writer.Schema}.outbox
            where dispatched_at is null order by id limit 100 for update skip locked
            """, transaction: transaction)).ToList();
        foreach (var row in rows)
        {
            if (!ContractTypes.TryGetValue(row.MessageType, out var type))
            {
                LogUnknownType(logger, row.MessageType, row.Id);
                continue;
            }

            var message = JsonSerializer.Deserialize(row.Body, type, OutboxWriter.Json)!;
            using (StartPublishActivity(row.TraceParent, type))
            {
                await PublishAsync(row.Id, row.MessageId, message, type, cancellationToken);
            }
        }

        if (rows.Count > 0)
        {
            await connection.ExecuteAsync(
                $"update {writer.Schema}.outbox set dispatched_at = now() where id = any(@ids)",
                new { ids = rows.Select(r => r.Id).ToArray() }, transaction);
            await connection.ExecuteAsync(
                $"delete from {writer.Schema}.outbox where dispatched_at < now() - interval '7 days'", transaction: transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>
    /// A span in the trace the row was written in, so that MassTransit's publish (and every consumer
    /// downstream) continues it instead of starting a trace of its own.
    /// </summary>
    private static Activity? StartPublishActivity(string? traceParent, Type type)
    {
        return traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Tracing.StartActivity($"outbox publish {type.Name}", ActivityKind.Producer, parent)
            : null;
    }

    /// <summary>
    /// One publish, bounded. Seen with RabbitMQ.Client 7 under MassTransit 8.5: a publish in flight
    /// when the broker stops waited for its confirm until the bus stopped, long after the connection
    /// was back, and held every row behind it. The timeout cancels the publish's token and, should the
    /// library not honour it on that path, the wait for the task ends too.
    /// </summary>
    private async Task PublishAsync(long rowId, Guid messageId, object message, Type type, CancellationToken cancellationToken)
    {
        var timeout = options.Value.PublishTimeout;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var publish = bus.Publish(message, type, ctx => ctx.MessageId = messageId, bounded.Token);
        try
        {
            await publish.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Observed so that its late fault is not an unobserved task exception.
            _ = publish.ContinueWith(t => t.Exception, TaskScheduler.Default);
            throw new TimeoutException(
                $"RabbitMQ did not confirm outbox row {rowId} ({type.Name}, message {messageId}) within {timeout.TotalSeconds:0} s; the row stays undispatched and is published again.",
                ex);
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, _) => _signal.Release();
                await connection.ExecuteAsync($"listen {writer.Schema}_outbox");
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatch failed; retrying")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {Id} has unknown message type {Type}; left undispatched")]
    private static partial void LogUnknownType(ILogger logger, string type, long id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox LISTEN connection lost; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
