using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Polling;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Registry;

/// <summary>An operator asked for a billing period to be imported again: recorded, and the data source polled now.</summary>
public sealed partial class ReimportRequestedConsumer(PollerStore store, PollSignal signal, ILogger<ReimportRequestedConsumer> logger) : IConsumer<ReimportRequested>
{
    public async Task Consume(ConsumeContext<ReimportRequested> context)
    {
        var m = context.Message;
        if (await store.RequestReimportAsync(m, context.CancellationToken))
        {
            signal.Wake();
            return;
        }

        LogNotWatched(logger, m.DataSourceId, m.BillingPeriod);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-import of {BillingPeriod} for data source {DataSourceId} not recorded: already recorded (a redelivery), or CurPoller does not watch that data source (removed, or its connection not seen yet)")]
    private static partial void LogNotWatched(ILogger logger, Guid dataSourceId, string billingPeriod);
}

public sealed class ReimportRequestedConsumerDefinition : RetryingConsumerDefinition<ReimportRequestedConsumer>;
