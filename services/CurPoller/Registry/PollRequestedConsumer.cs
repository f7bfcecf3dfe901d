using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.CurPoller.Polling;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;

namespace DigiUsher.CurPoller.Registry;

/// <summary>A user asked for a poll now: the data source becomes due and the scheduler wakes.</summary>
public sealed class PollRequestedConsumer(PollerStore store, PollSignal signal) : IConsumer<PollRequested>
{
    public async Task Consume(ConsumeContext<PollRequested> context)
    {
        if (await store.RequestPollAsync(context.Message.OrganizationId, context.Message.DataSourceId, context.CancellationToken))
        {
            signal.Wake();
        }
    }
}

public sealed class PollRequestedConsumerDefinition : RetryingConsumerDefinition<PollRequestedConsumer>;
