using DigiUsher.Contracts;
using DigiUsher.CurPoller.Data;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DigiUsher.CurPoller.Imports;

/// <summary>
/// A transient import failure (network, throttling, database) gets the delivery re-published by a
/// later poll after a backoff: RabbitMQ here has no delayed redelivery. A bad file is not retried
/// until a newer delivery of the period appears.
/// </summary>
public sealed class ReportImportFailedConsumer(PollerStore store, IOptions<CurPollerOptions> options, TimeProvider clock) : IConsumer<ReportImportFailed>
{
    public Task Consume(ConsumeContext<ReportImportFailed> context)
    {
        var message = context.Message;
        return store.MarkImportFailedAsync(
            message.OrganizationId, message.DataSourceId, message.BillingPeriod, message.DeliveryId, message.Transient, message.Reason,
            options.Value.ToRetryPolicy(), clock.GetUtcNow().UtcDateTime, context.CancellationToken);
    }
}

public sealed class ReportImportFailedConsumerDefinition : RetryingConsumerDefinition<ReportImportFailedConsumer>;
