using System.Collections.Concurrent;
using DigiUsher.ResourceDiscovery.Data;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>
/// Starts runs for data sources that asked for one (connected, updated, rules changed) or are due by
/// <see cref="DiscoveryOptions.Interval"/>, at most <see cref="DiscoveryOptions.MaxParallelDataSources"/>
/// at once per process; the run row's unique index keeps it to one run per data source across replicas.
/// </summary>
public sealed partial class DiscoveryScheduler(
    IServiceScopeFactory scopes,
    DiscoveryStore store,
    IOptions<DiscoveryOptions> options,
    ILogger<DiscoveryScheduler> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    /// <summary>Looks for work now instead of at the next tick.</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.FailStaleRunsAsync(options.Value.StaleRunAfter, stoppingToken);
                var free = options.Value.MaxParallelDataSources - _running.Count;
                if (free > 0)
                {
                    foreach (var source in await store.DueAsync(options.Value.Interval, free, stoppingToken))
                    {
                        if (_running.ContainsKey(source.DataSourceId) || await store.TryStartRunAsync(source, stoppingToken) is not { } runId)
                        {
                            continue;
                        }

                        // Registered before it may finish, so its own removal never races the registration.
                        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        _running[source.DataSourceId] = Task.Run(
                            async () =>
                            {
                                await registered.Task;
                                await RunAsync(source, runId, stoppingToken);
                            },
                            CancellationToken.None);
                        registered.SetResult();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSchedulingFailed(logger, ex);
            }

            await _wake.WaitAsync(options.Value.SchedulerTick, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await Task.WhenAll(_running.Values);
    }

    private async Task RunAsync(DataSourceRecord source, Guid runId, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DiscoveryRunner>().RunAsync(source, runId, cancellationToken);
        }
        catch (Exception ex)
        {
            LogRunCrashed(logger, ex, runId);
            await store.FailRunAsync(source, runId, "Discovery failed unexpectedly: " + ex.GetType().Name, CancellationToken.None);
        }
        finally
        {
            _running.TryRemove(source.DataSourceId, out _);
            _wake.Release();
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery scheduling failed; retrying at the next tick")]
    private static partial void LogSchedulingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery run {RunId} crashed")]
    private static partial void LogRunCrashed(ILogger logger, Exception exception, Guid runId);
}
