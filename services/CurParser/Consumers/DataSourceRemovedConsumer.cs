using DigiUsher.Contracts;
using DigiUsher.CurParser.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurParser.Consumers;

/// <summary>Purges a deleted data source's line items, rollups, imports and deliveries (issue 18).</summary>
public sealed class DataSourceRemovedConsumer(RemovedDataSourceStore store) : IConsumer<DataSourceRemoved>
{
    public Task Consume(ConsumeContext<DataSourceRemoved> context) =>
        store.RemoveAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.Message.OccurredAt, context.CancellationToken);
}

public sealed class DataSourceRemovedConsumerDefinition : RetryingConsumerDefinition<DataSourceRemovedConsumer>;
