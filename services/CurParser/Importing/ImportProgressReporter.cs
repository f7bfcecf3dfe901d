using DigiUsher.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// Publishes <see cref="ReportImportProgressed"/> every <see cref="CurParserOptions.ProgressInterval"/>
/// while an import loads. Straight on the bus, not through a consumer's in-memory outbox (which holds
/// every publish until the consumer ends) nor the table outbox (a snapshot is no fact to keep).
/// </summary>
public sealed partial class ImportProgressReporter(IBus bus, LeaseHolder holder, IOptions<CurParserOptions> options, TimeProvider time, ILogger<ImportProgressReporter> logger)
{
    public async Task RunAsync(ReportAvailable m, Guid importId, DateTimeOffset startedAt, ImportCounters counters, CancellationToken stop)
    {
        try
        {
            using var timer = new PeriodicTimer(options.Value.ProgressInterval, time);
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await bus.Publish(ImportProgress.Snapshot(m, importId, startedAt, counters, holder.Id, time.GetUtcNow()), stop);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Progress is a courtesy: a broker hiccup must not fail the import. The next tick tries again.
                    LogNotPublished(logger, importId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Progress of import {ImportId} not published: {Reason}")]
    private static partial void LogNotPublished(ILogger logger, Guid importId, string reason);
}
