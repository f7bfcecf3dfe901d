using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.Query.Consumers;

public sealed class DataSourceConnectedConsumer(DataSourceStore store) : IConsumer<DataSourceConnected>
{
    public Task Consume(ConsumeContext<DataSourceConnected> context) =>
        store.UpsertAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.Message.Settings, context.Message.OccurredAt, context.CancellationToken);
}

public sealed class DataSourceConnectedConsumerDefinition : RetryingConsumerDefinition<DataSourceConnectedConsumer>;

public sealed class DataSourceUpdatedConsumer(DataSourceStore store) : IConsumer<DataSourceUpdated>
{
    public Task Consume(ConsumeContext<DataSourceUpdated> context) =>
        store.UpsertAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.Message.Settings, context.Message.OccurredAt, context.CancellationToken);
}

public sealed class DataSourceUpdatedConsumerDefinition : RetryingConsumerDefinition<DataSourceUpdatedConsumer>;

public sealed class DataSourceRemovedConsumer(DataSourceStore store) : IConsumer<DataSourceRemoved>
{
    public Task Consume(ConsumeContext<DataSourceRemoved> context) =>
        store.RemoveAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.Message.OccurredAt, context.CancellationToken);
}

public sealed class DataSourceRemovedConsumerDefinition : RetryingConsumerDefinition<DataSourceRemovedConsumer>;
