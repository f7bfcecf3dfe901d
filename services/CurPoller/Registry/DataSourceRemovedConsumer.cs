using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Registry;

/// <summary>Stops polling a deleted data source.</summary>
public sealed class DataSourceRemovedConsumer(PollerStore store, IDataSourceCredentials credentials) : IConsumer<DataSourceRemoved>
{
    public async Task Consume(ConsumeContext<DataSourceRemoved> context)
    {
        var message = context.Message;
        await store.RemoveDataSourceAsync(message.OrganizationId, message.DataSourceId, message.OccurredAt, context.CancellationToken);
        credentials.Invalidate(message.DataSourceId);
    }
}

public sealed class DataSourceRemovedConsumerDefinition : RetryingConsumerDefinition<DataSourceRemovedConsumer>;
