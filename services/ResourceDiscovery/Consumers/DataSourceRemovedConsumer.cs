using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.ResourceDiscovery.Consumers;

/// <summary>Stops discovering a deleted data source (a run in progress publishes nothing).</summary>
public sealed class DataSourceRemovedConsumer(DiscoveryStore store, IDataSourceCredentials credentials) : IConsumer<DataSourceRemoved>
{
    public async Task Consume(ConsumeContext<DataSourceRemoved> context)
    {
        var m = context.Message;
        credentials.Invalidate(m.DataSourceId);
        await store.RemoveDataSourceAsync(m.OrganizationId, m.DataSourceId, m.OccurredAt, context.CancellationToken);
    }
}

public sealed class DataSourceRemovedConsumerDefinition : RetryingConsumerDefinition<DataSourceRemovedConsumer>;
