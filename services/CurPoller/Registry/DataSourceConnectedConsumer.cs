using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Polling;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Registry;

/// <summary>Starts watching a new data source and polls it at once (the first poll back-fills).</summary>
public sealed class DataSourceConnectedConsumer(PollerStore store, PollSignal signal) : IConsumer<DataSourceConnected>
{
    public async Task Consume(ConsumeContext<DataSourceConnected> context)
    {
        var message = context.Message;
        if (message.Settings.Kind == DataSourceKinds.AwsLinked)
        {
            // A linked account has no reports of its own: its payer's CUR bills it, and is polled as the root's.
            return;
        }

        if (await store.UpsertDataSourceAsync(message.OrganizationId, message.DataSourceId, message.Settings, message.OccurredAt, context.CancellationToken))
        {
            signal.Wake();
        }
    }
}

public sealed class DataSourceConnectedConsumerDefinition : RetryingConsumerDefinition<DataSourceConnectedConsumer>;
