using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Polling;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Registry;

/// <summary>Takes the new settings (bucket, prefix, report) and polls with them at once; drops cached credentials when rotated.</summary>
public sealed class DataSourceUpdatedConsumer(PollerStore store, PollSignal signal, IDataSourceCredentials credentials) : IConsumer<DataSourceUpdated>
{
    public async Task Consume(ConsumeContext<DataSourceUpdated> context)
    {
        var message = context.Message;
        if (message.Settings.Kind == DataSourceKinds.AwsLinked)
        {
            // A linked account has no reports of its own: its payer's CUR bills it, and is polled as the root's.
            return;
        }

        if (message.CredentialsRotated)
        {
            credentials.Invalidate(message.DataSourceId);
        }

        if (await store.UpsertDataSourceAsync(message.OrganizationId, message.DataSourceId, message.Settings, message.OccurredAt, context.CancellationToken))
        {
            signal.Wake();
        }
    }
}

public sealed class DataSourceUpdatedConsumerDefinition : RetryingConsumerDefinition<DataSourceUpdatedConsumer>;
