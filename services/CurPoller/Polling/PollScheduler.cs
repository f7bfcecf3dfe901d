using System.Collections.Concurrent;
using System.Diagnostics;
using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Lifecycle;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurPoller.Polling;

/// <summary>
/// Polls due data sources, at most <see cref="CurPollerOptions.MaxConcurrentDataSources"/> at once.
/// A slot is refilled as soon as its poll ends, and every poll has a timeout, so one slow or failing
/// bucket never delays the others. Replicas share the work through <see cref="PollerStore.ClaimDueAsync"/>.
/// </summary>
public sealed partial class PollScheduler(
    IServiceScopeFactory scopes,
    PollerStore store,
    PollSignal signal,
    TimeProvider clock,
    IOptions<CurPollerOptions> options,
    PollMetrics metrics,
    ILogger<PollScheduler> logger) : BackgroundService
{
    /// <summary>How soon a data source whose poll a database outage cut short is polled again (at most the poll interval).</summary>
    private static readonly TimeSpan RetryAfterOutage = TimeSpan.FromSeconds(30);
    private static readonly ActivitySource Tracing = new($"{ServiceDefaultsExtensions.TelemetryPrefix}.CurPoller");

    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = settings.MaxConcurrentDataSources - _running.Count;
                if (free > 0)
                {
                    var due = await store.ClaimDueAsync(free, [.. _running.Keys], settings.PollTimeout + TimeSpan.FromMinutes(1), stoppingToken);
                    foreach (var source in due)
                    {
                        _running[source.DataSourceId] = Task.Run(() => RunAsync(source, stoppingToken), CancellationToken.None);
                    }

                    if (due.Count == free)
                    {
                        // Every slot was filled: look again as soon as one frees up.
                        await Task.WhenAny(_running.Values.Append(Task.Delay(settings.SchedulerTick, stoppingToken)));
                        continue;
                    }
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogSchedulerFailed(logger, ex);
            }

            await signal.WaitAsync(settings.SchedulerTick, stoppingToken);
        }

        await Task.WhenAll(_running.Values);
    }

    private async Task RunAsync(WatchedDataSource source, CancellationToken stoppingToken)
    {
        // Each poll is a trace of its own: a delivery it finds carries it (through the outbox and the
        // bus) to the import, and on to the costs Query pulls.
        using var activity = Tracing.StartActivity("curpoller poll", ActivityKind.Internal, parentContext: default);
        activity?.SetTag("digiusher.data_source.id", source.DataSourceId.ToString());
        var pollId = Guid.NewGuid();
        var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.Value.PollTimeout);
            object statusEvent;
            PollStatus status;
            string? reason;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var poller = scope.ServiceProvider.GetRequiredService<ReportPoller>();
                var result = await poller.PollAsync(source, timeout.Token);
                statusEvent = new ReportPollCompleted(
                    source.OrganizationId, source.DataSourceId, $"poll:{pollId}", result.ReportName, result.BillingPeriods,
                    result.Published, result.LatestDeliveryId, clock.GetUtcNow());
                (status, reason) = (PollStatus.Completed, result.Skipped.Count == 0 ? null : string.Join("; ", result.Skipped));
                LogPollCompleted(logger, source.DataSourceId, result.ReportName, result.BillingPeriods, result.Published, result.Skipped.Count);
            }
            catch (PollFailureException ex)
            {
                statusEvent = Failed(source, pollId, ex.Message, ex.DeniedAction);
                (status, reason) = (PollStatus.Failed, ex.Message);
                LogPollFailed(logger, source.DataSourceId, ex.Message);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                var message = $"The poll did not finish within {options.Value.PollTimeout}; the bucket or S3 is too slow. The next poll retries.";
                statusEvent = Failed(source, pollId, message, null);
                (status, reason) = (PollStatus.Failed, message);
                LogPollFailed(logger, source.DataSourceId, message);
            }

            metrics.PollEnded(startedAt, status == PollStatus.Completed);
            await Complete(source, pollId, status, reason, statusEvent, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            metrics.PollEnded(startedAt, succeeded: false);
            LogPollCrashed(logger, source.DataSourceId, ex);
            await RecordOutageAsync(source, pollId, stoppingToken);
        }
        catch (Exception ex)
        {
            // Anything unexpected (database down, a bug) must not end the scheduler: the lease makes
            // the data source due again later.
            LogPollCrashed(logger, source.DataSourceId, ex);
        }
        finally
        {
            _running.TryRemove(source.DataSourceId, out _);
            signal.Wake();
        }
    }

    /// <summary>
    /// The database went away under the poll (a restart, a failover). Left alone, the data source would
    /// stay leased until its lease ran out (PollTimeout + 1 minute, 11 minutes by default) before its
    /// next poll; instead the failed poll is recorded as soon as the database answers again, at most
    /// until the lease would have ended anyway, and the data source is polled again shortly after.
    /// </summary>
    private async Task RecordOutageAsync(WatchedDataSource source, Guid pollId, CancellationToken stoppingToken)
    {
        const string reason = "The poll was cut short because the database was unavailable; it is retried.";
        var settings = options.Value;
        var retryIn = settings.PollInterval < RetryAfterOutage ? settings.PollInterval : RetryAfterOutage;
        try
        {
            await DatabaseOutage.WaitToRecordAsync(
                token => store.CompletePollAsync(source, retryIn, PollStatus.Failed, reason, Failed(source, pollId, reason, null), PollerStore.MessageId($"poll:{pollId}"), token),
                settings.PollTimeout,
                settings.SchedulerTick,
                clock,
                ex => LogWaitingForDatabase(logger, source.DataSourceId, ex.Message),
                stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogPollCrashed(logger, source.DataSourceId, ex);
        }
    }

    private ReportPollFailed Failed(WatchedDataSource source, Guid pollId, string reason, string? deniedAction) =>
        new(source.OrganizationId, source.DataSourceId, $"poll:{pollId}", reason, deniedAction, clock.GetUtcNow());

    private Task Complete(WatchedDataSource source, Guid pollId, PollStatus status, string? reason, object statusEvent, CancellationToken cancellationToken)
    {
        var messageId = PollerStore.MessageId($"poll:{pollId}");
        var next = NextPollIn();
        return statusEvent switch
        {
            ReportPollCompleted completed => store.CompletePollAsync(source, next, status, reason, completed, messageId, cancellationToken),
            ReportPollFailed failed => store.CompletePollAsync(source, next, status, reason, failed, messageId, cancellationToken),
            _ => throw new InvalidOperationException($"Unexpected poll event {statusEvent.GetType()}"),
        };
    }

    private TimeSpan NextPollIn()
    {
        var settings = options.Value;
#pragma warning disable CA5394 // Jitter spreads polls; it needs no cryptographic randomness.
        var factor = 1 + ((Random.Shared.NextDouble() * 2) - 1) * settings.PollJitter;
#pragma warning restore CA5394
        return TimeSpan.FromTicks((long)(settings.PollInterval.Ticks * factor));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Polled {DataSourceId}: report {ReportName}, {Periods} periods, {Published} published, {Skipped} left for later")]
    private static partial void LogPollCompleted(ILogger logger, Guid dataSourceId, string reportName, int periods, int published, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Poll of {DataSourceId} failed: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, Guid dataSourceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Poll of {DataSourceId} crashed; it is retried when its lease ends")]
    private static partial void LogPollCrashed(ILogger logger, Guid dataSourceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the cut-short poll of {DataSourceId} waits for the database: {Reason}")]
    private static partial void LogWaitingForDatabase(ILogger logger, Guid dataSourceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming due data sources failed; retrying")]
    private static partial void LogSchedulerFailed(ILogger logger, Exception exception);
}
