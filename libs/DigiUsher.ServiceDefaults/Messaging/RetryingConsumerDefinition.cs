using MassTransit;

namespace DigiUsher.ServiceDefaults.Messaging;

/// <summary>
/// Our default consumer policy: a few quick in-memory retries for transient faults, never for
/// <see cref="PermanentMessageException"/> (bad input goes straight to the <c>_error</c> queue),
/// and at-most-once per message id within the endpoint (in-memory outbox).
/// </summary>
public abstract class RetryingConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected virtual TimeSpan[] RetryIntervals { get; } =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Intervals(RetryIntervals);
            r.Ignore<PermanentMessageException>();
        });
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}

/// <summary>A message that can never succeed (bad input): not retried, moved to the error queue.</summary>
public sealed class PermanentMessageException(string message, Exception? inner = null) : Exception(message, inner);
