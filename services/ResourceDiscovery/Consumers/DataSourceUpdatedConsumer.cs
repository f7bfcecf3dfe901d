using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ResourceDiscovery.Discovery;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.ResourceDiscovery.Consumers;

/// <summary>Takes the new settings, forgets cached keys and earlier denials when the keys rotated, and runs again.</summary>
public sealed class DataSourceUpdatedConsumer(DiscoveryStore store, DiscoveryScheduler scheduler, IDataSourceCredentials credentials) : IConsumer<DataSourceUpdated>
{
    public async Task Consume(ConsumeContext<DataSourceUpdated> context)
    {
        var m = context.Message;
        if (m.CredentialsRotated)
        {
            credentials.Invalidate(m.DataSourceId);
        }

        await store.UpsertDataSourceAsync(m.OrganizationId, m.DataSourceId, m.Settings, m.OccurredAt, m.CredentialsRotated, context.CancellationToken);
        scheduler.Wake();
    }
}

public sealed class DataSourceUpdatedConsumerDefinition : RetryingConsumerDefinition<DataSourceUpdatedConsumer>;
