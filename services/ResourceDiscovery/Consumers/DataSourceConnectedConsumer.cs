using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ResourceDiscovery.Discovery;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.ResourceDiscovery.Consumers;

/// <summary>Registers a new data source and asks for its first discovery run.</summary>
public sealed class DataSourceConnectedConsumer(DiscoveryStore store, DiscoveryScheduler scheduler) : IConsumer<DataSourceConnected>
{
    public async Task Consume(ConsumeContext<DataSourceConnected> context)
    {
        var m = context.Message;
        await store.UpsertDataSourceAsync(m.OrganizationId, m.DataSourceId, m.Settings, m.OccurredAt, credentialsRotated: false, context.CancellationToken);
        scheduler.Wake();
    }
}

public sealed class DataSourceConnectedConsumerDefinition : RetryingConsumerDefinition<DataSourceConnectedConsumer>;
