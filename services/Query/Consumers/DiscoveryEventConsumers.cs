using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.Query.Consumers;

public sealed class ResourcesDiscoveredConsumer(ResourceStore resources, DataSourceStore dataSources) : IConsumer<ResourcesDiscovered>
{
    public async Task Consume(ConsumeContext<ResourcesDiscovered> context)
    {
        if (!await dataSources.IsRemovedAsync(context.Message.DataSourceId, context.CancellationToken))
        {
            await resources.UpsertAsync(context.Message, context.CancellationToken);
        }
    }
}

public sealed class ResourcesDiscoveredConsumerDefinition : RetryingConsumerDefinition<ResourcesDiscoveredConsumer>;

public sealed class DiscoveryCompletedConsumer(ResourceStore resources, DataSourceStore dataSources) : IConsumer<DiscoveryCompleted>
{
    public async Task Consume(ConsumeContext<DiscoveryCompleted> context)
    {
        if (!await dataSources.IsRemovedAsync(context.Message.DataSourceId, context.CancellationToken))
        {
            await resources.CompleteRunAsync(context.Message, context.CancellationToken);
        }
    }
}

public sealed class DiscoveryCompletedConsumerDefinition : RetryingConsumerDefinition<DiscoveryCompletedConsumer>;

public sealed class OrganizationAccountsListedConsumer(AccountNameStore names, DataSourceStore dataSources) : IConsumer<OrganizationAccountsListed>
{
    public async Task Consume(ConsumeContext<OrganizationAccountsListed> context)
    {
        if (!await dataSources.IsRemovedAsync(context.Message.DataSourceId, context.CancellationToken))
        {
            await names.StoreAsync(context.Message, context.CancellationToken);
        }
    }
}

public sealed class OrganizationAccountsListedConsumerDefinition : RetryingConsumerDefinition<OrganizationAccountsListedConsumer>;
